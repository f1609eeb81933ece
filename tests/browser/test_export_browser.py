"""Export my data, clicked through in Chromium on a phone and a desktop: the zip the browser downloads holds
what the person made."""

import io
import json
import zipfile

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser


def as_user(live_server, username, action):
    from socialapp.services import accounts

    with live_server.app.app_context():
        return action(accounts.find_by_username(username))


def talk_and_follow(live_server):
    """Bob and Ada follow each other and talk; Bob also talks to Cy, which is none of Ada's business."""
    from socialapp.services import accounts, chat, social

    with live_server.app.app_context():
        ada, bob, cy = (accounts.find_by_username(name) for name in ("ada", "bob", "cy"))
        social.follow(ada, bob)
        social.follow(bob, ada)
        chat.send_message(bob, ada, "Hello from Bob")
        chat.send_message(bob, cy, "Bob and Cy only")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_person_downloads_what_they_made(open_browser, live_server, tmp_path, width):
    for name in ("ada", "bob", "cy"):
        live_server.make_user(name, first_name=name.capitalize(), last_name="Tester")
    talk_and_follow(live_server)
    page = open_browser("ada", viewport={"width": width, "height": 844})

    picture = tmp_path / "harbour.png"
    picture.write_bytes(picture_bytes(size=(900, 600)))
    page.goto(live_server("/"))
    page.get_by_label("New post").fill("The harbour at dawn")
    page.get_by_label("Pictures").set_input_files(str(picture))
    page.get_by_label("Description for people who cannot see picture 1").fill("Boats in a harbour at dawn")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("img", name="Boats in a harbour at dawn")).to_be_visible()

    page.goto(live_server("/settings"))
    section = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Export your data"))
    expect(section).to_contain_text("chat messages")
    button = section.get_by_role("button", name="Export my data")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= width
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("socialapp-ada-") and download.suggested_filename.endswith(".zip")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()  # the page stays

    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    (post,) = json.loads(archive.read("posts.json"))
    assert post["text"] == "The harbour at dawn"
    (shown,) = post["pictures"]
    assert shown["alt_text"] == "Boats in a harbour at dawn"
    with Image.open(io.BytesIO(archive.read(shown["file"]))) as stored:
        assert stored.size == (900, 600)  # the largest file kept: the picture whole, at its own size
    assert json.loads(archive.read("profile.json"))["username"] == "ada"
    assert [p["username"] for p in json.loads(archive.read("following.json"))] == ["bob"]
    assert [p["username"] for p in json.loads(archive.read("followers.json"))] == ["bob"]
    assert [m["text"] for m in json.loads(archive.read("messages.json"))] == ["Hello from Bob"]
    assert b"Bob and Cy only" not in archive.read("messages.json")
    assert "README.txt" in archive.namelist()
