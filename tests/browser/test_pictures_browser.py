"""Pictures in Chromium: sharp and in their ratio on a 3x phone and a desktop, described by their authors,
laid out in a grid, opened in a viewer; the composer's previews, remove buttons and characters left."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def post_as(live_server, username, body, sizes, alt_texts=()):
    """A post by `username` with pictures of these sizes, made through the service."""
    import io

    from werkzeug.datastructures import FileStorage

    from socialapp.services import accounts, posts

    uploads = [
        FileStorage(io.BytesIO(picture_bytes(size=size, color=(40, 90 + 30 * i, 160))), f"{i}.png")
        for i, size in enumerate(sizes)
    ]
    with live_server.app.app_context():
        return posts.create_post(accounts.find_by_username(username), body, uploads, list(alt_texts)).id


def loaded(image):
    """The image once decoded: its displayed size, the file the browser chose and that file's own width (an
    img's naturalWidth is divided by the density srcset gave it), and the pixel ratio."""
    return image.evaluate(
        """async img => {
            await img.decode();
            const file = new Image();
            file.src = img.currentSrc;
            await file.decode();
            const box = img.getBoundingClientRect();
            return {shown: box.width, height: box.height, natural: file.naturalWidth, src: img.currentSrc,
                    dpr: window.devicePixelRatio};
        }"""
    )


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_wide_picture_keeps_its_ratio_and_the_browser_fetches_a_sharp_enough_file(open_page, live_server, screen):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    post_id = post_as(live_server, "ada", "Panorama", [(3000, 1000)], ["A long beach at low tide"])
    page = open_page("ada", **screen)
    log_in(page, live_server, "ada")
    for path in ("/", f"/p/{post_id}"):
        page.goto(live_server(path))
        image = page.get_by_role("img", name="A long beach at low tide")
        image.scroll_into_view_if_needed()
        seen = loaded(image)
        assert abs(seen["shown"] / seen["height"] - 3) < 0.05  # 2048 x 683, as uploaded
        assert seen["dpr"] == screen.get("device_scale_factor", 1)
        assert seen["natural"] >= min(seen["shown"] * seen["dpr"], 2048), seen
        assert seen["src"].endswith(f"/w{seen['natural']}.webp")
        assert seen["natural"] < 2048 or seen["shown"] * seen["dpr"] > 1440  # not the largest when smaller will do


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_one_to_four_pictures_in_a_grid(open_page, live_server, screen):
    live_server.make_user("ada")
    for count in range(1, 5):
        post_as(live_server, "ada", f"{count} pictures", [(1200, 900), (900, 1200), (3000, 1000), (800, 800)][:count])
    page = open_page("ada", **screen)
    log_in(page, live_server, "ada")
    feed = page.get_by_label("Your feed")

    def boxes(count):
        post = feed.get_by_role("article").filter(has_text=f"{count} pictures")
        post.scroll_into_view_if_needed()
        return [img.bounding_box() for img in post.locator(".post-images img").all()]

    one = boxes(1)
    assert len(one) == 1 and abs(one[0]["width"] / one[0]["height"] - 4 / 3) < 0.02  # whole, its own ratio
    a, b = boxes(2)
    assert abs(a["y"] - b["y"]) < 1 and a["x"] < b["x"] and abs(a["height"] - b["height"]) < 1  # side by side
    tall, top, bottom = boxes(3)
    assert abs(tall["height"] - (top["height"] + bottom["height"] + 4)) < 2  # one tall left, two stacked right
    assert top["x"] > tall["x"] and abs(top["x"] - bottom["x"]) < 1 and bottom["y"] > top["y"]
    grid = boxes(4)
    assert len({round(box["x"]) for box in grid}) == 2 and len({round(box["y"]) for box in grid}) == 2  # 2 x 2
    width = grid[0]["width"] * 2 + 4
    assert abs(width / (grid[0]["height"] * 2 + 4) - 16 / 9) < 0.02
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_viewer_opens_goes_next_and_previous_and_closes(open_page, live_server):
    live_server.make_user("ada")
    post_as(live_server, "ada", "Three", [(1200, 900), (900, 1200), (3000, 1000)], ["First", "Second", "Third"])
    page = open_page("ada", **DESKTOP)
    log_in(page, live_server, "ada")
    first = page.get_by_role("link", name="First")
    first.click()
    viewer = page.get_by_role("dialog", name="Picture 1 of 3")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img", name="First")).to_be_visible()
    viewer.get_by_role("button", name="Next picture").click()
    expect(page.get_by_role("dialog", name="Picture 2 of 3").get_by_role("img", name="Second")).to_be_visible()
    page.keyboard.press("ArrowRight")
    third = page.get_by_role("dialog", name="Picture 3 of 3").get_by_role("img", name="Third")
    expect(third).to_be_visible()
    seen = loaded(third)
    assert seen["natural"] >= min(seen["shown"], 2048) and abs(seen["shown"] / seen["height"] - 3) < 0.05
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="Picture 2 of 3")).to_be_visible()
    page.get_by_role("button", name="Previous picture").click()
    expect(page.get_by_role("dialog", name="Picture 1 of 3")).to_be_visible()
    page.keyboard.press("ArrowLeft")  # round to the last
    expect(page.get_by_role("dialog", name="Picture 3 of 3")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert first.evaluate("link => document.activeElement === link")  # the focus is back where it was
    first.click()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_without_javascript_a_picture_is_a_link_to_its_largest_file(open_page, live_server):
    live_server.make_user("ada")
    post_as(live_server, "ada", "Wide", [(3000, 1000)], ["Dunes"])
    page = open_page("ada", java_script_enabled=False, **DESKTOP)
    log_in(page, live_server, "ada")
    page.get_by_role("link", name="Dunes").click()
    assert page.url.endswith("/w2048.webp")


def test_alt_text_round_trips_from_the_composer_to_the_edit_page(open_page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    page = open_page("ada", **PHONE)
    log_in(page, live_server, "ada")
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(picture_bytes(size=(900, 600)))
    second.write_bytes(picture_bytes(size=(600, 900), color=(30, 30, 200)))
    page.get_by_label("New post").fill("Holiday")
    page.get_by_label("Pictures").set_input_files([str(first), str(second)])
    one = page.get_by_label("Description for people who cannot see picture 1")
    two = page.get_by_label("Description for people who cannot see picture 2")
    expect(one).to_be_visible()
    expect(page.get_by_label("Description for people who cannot see picture 3")).to_be_hidden()
    previews = page.locator("#post-form .picture-preview")
    assert (
        previews.nth(0).evaluate("img => img.decode().then(() => img.src.startsWith('blob:') && img.naturalWidth)")
        == 900
    )
    one.fill("A red field")
    two.fill("A blue tower")
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.get_by_label("Your feed").get_by_role("article").filter(has_text="Holiday")
    expect(post.get_by_role("img", name="A red field")).to_be_visible()
    expect(post.get_by_role("img", name="A blue tower")).to_be_visible()
    expect(page.get_by_label("Description for people who cannot see picture 1")).to_be_hidden()  # a fresh form
    expect(page.get_by_text("Describe the pictures for people who cannot see them")).to_be_hidden()

    post.get_by_role("button", name="More actions").click()
    post.get_by_role("link", name="Edit post").click()
    field = page.locator(".post-edit-form").get_by_label("Description for people who cannot see picture 2")
    expect(field).to_have_value("A blue tower")
    field.fill("A blue tower at dusk")
    page.get_by_role("button", name="Save").click()
    expect(post.get_by_role("img", name="A blue tower at dusk")).to_be_visible()
    expect(post.get_by_role("img", name="A red field")).to_be_visible()


def test_a_chosen_picture_can_be_removed_with_its_description(open_page, live_server, tmp_path):
    live_server.make_user("ada")
    page = open_page("ada", **DESKTOP)
    log_in(page, live_server, "ada")
    paths = []
    for n in range(3):
        path = tmp_path / f"{n}.png"
        path.write_bytes(picture_bytes(size=(400 + 100 * n, 300)))
        paths.append(str(path))
    page.get_by_label("Pictures").set_input_files(paths)
    for n, words in enumerate(["zero", "one", "two"], start=1):
        page.get_by_label(f"Description for people who cannot see picture {n}").fill(words)
    page.get_by_role("button", name="Remove picture 1").click()
    assert page.get_by_label("Pictures").evaluate("input => [...input.files].map(f => f.name)") == ["1.png", "2.png"]
    expect(page.get_by_label("Description for people who cannot see picture 1")).to_have_value("one")
    expect(page.get_by_label("Description for people who cannot see picture 2")).to_have_value("two")
    expect(page.get_by_label("Description for people who cannot see picture 3")).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Picture 1 removed")).to_have_count(1)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("img", name="one")).to_be_visible()
    expect(page.get_by_role("img", name="two")).to_be_visible()


def test_a_refused_post_keeps_its_text_pictures_and_descriptions(open_page, live_server, tmp_path):
    live_server.make_user("ada")
    page = open_page("ada", **DESKTOP)
    log_in(page, live_server, "ada")
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    good.write_bytes(picture_bytes())
    bad.write_bytes(b"not a picture")
    page.get_by_label("New post").fill("Keep all this")
    page.get_by_label("Pictures").set_input_files([str(good), str(bad)])
    page.get_by_label("Description for people who cannot see picture 1").fill("Kept description")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not a picture we can read")
    expect(page.get_by_label("New post")).to_have_value("Keep all this")
    expect(page.get_by_label("Description for people who cannot see picture 1")).to_have_value("Kept description")
    assert page.get_by_label("Pictures").evaluate("input => input.files.length") == 2
    page.get_by_role("button", name="Remove picture 2").click()
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("img", name="Kept description")).to_be_visible()


def test_the_characters_left_are_counted_and_read_out_near_the_end(open_page, live_server):
    live_server.make_user("ada")
    page = open_page("ada", **PHONE)
    log_in(page, live_server, "ada")
    count = page.locator("#post-body-count [data-count-text]")
    expect(count).to_have_text("5,000 characters left")
    page.get_by_label("New post").fill("Hello")
    expect(count).to_have_text("4,995 characters left")
    live = page.locator("#post-body-count [aria-live]")
    expect(live).to_have_text("")  # far from the end: nothing read out
    page.get_by_label("New post").fill("x" * 4950)
    expect(live).to_have_text("50 characters left")
    page.get_by_label("New post").fill("x" * 5000)
    expect(count).to_have_text("0 characters left")
    expect(live).to_have_text("0 characters left")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pictures_the_composer_and_the_viewer_have_no_serious_accessibility_violations(
    new_context, live_server, tmp_path, theme
):
    from tests.browser.test_accessibility_browser import AXE, FAILING, RUN_AXE

    live_server.make_user("ada")
    post_as(live_server, "ada", "Four", [(1200, 900), (900, 1200), (3000, 1000), (800, 800)], ["One", "", "Three"])
    post_as(live_server, "ada", "One", [(900, 1200)])
    found = []
    for screen in (PHONE, DESKTOP):
        context = new_context(bypass_csp=True, **screen)
        host = live_server.url.split("//")[1].split(":")[0]
        context.add_cookies([{"name": "theme", "value": theme, "domain": host, "path": "/"}])
        page = context.new_page()
        log_in(page, live_server, "ada")
        picture = tmp_path / "p.png"
        picture.write_bytes(picture_bytes(size=(600, 400)))
        page.get_by_label("Pictures").set_input_files([str(picture), str(picture)])
        page.get_by_label("New post").fill("x" * 4990)
        page.add_script_tag(path=str(AXE))
        found += page.evaluate(RUN_AXE)
        page.get_by_role("link", name="One").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        found += page.evaluate(RUN_AXE)
        context.close()
    serious = [v for v in found if v["impact"] in FAILING]
    assert not serious, serious


def test_without_javascript_a_refused_post_comes_back_with_its_text_and_descriptions(open_page, live_server, tmp_path):
    live_server.make_user("ada")
    page = open_page("ada", java_script_enabled=False, **DESKTOP)
    log_in(page, live_server, "ada")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    page.get_by_label("New post").fill("Typed without scripts")
    page.get_by_label("Pictures").set_input_files(str(bad))
    page.get_by_text("Describe the pictures for people who cannot see them").click()
    page.get_by_label("Description for people who cannot see picture 1").fill("A described picture")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not a picture we can read")
    expect(page.get_by_label("New post")).to_have_value("Typed without scripts")
    expect(page.get_by_label("Description for people who cannot see picture 1")).to_have_value("A described picture")
    expect(page.get_by_text("Please choose your pictures again")).to_be_visible()


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_pictures_space_is_kept_before_its_file_arrives(open_page, live_server, screen):
    live_server.make_user("ada")
    post_as(live_server, "ada", "1 pictures", [(1200, 900)])
    post_as(live_server, "ada", "3 pictures", [(1200, 900), (900, 1200), (3000, 1000)])
    page = open_page("ada", **screen)
    log_in(page, live_server, "ada")
    page.route("**/media/**", lambda route: None)  # the files never come
    page.goto(live_server("/"))
    feed = page.get_by_label("Your feed")
    box = feed.get_by_role("img", name="Picture 1 of 1, not described").bounding_box()
    assert box["width"] > 200 and abs(box["width"] / box["height"] - 4 / 3) < 0.02, box
    for number in (1, 2, 3):
        assert feed.get_by_role("img", name=f"Picture {number} of 3, not described").bounding_box()["height"] > 50
