"""Posts, likes and comments clicked through in Chromium, each without a full page reload."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser


def as_user(live_server, username, action):
    """Run a service `action(user)` as `username` on the live app, as another person would."""
    from socialapp.services import accounts

    with live_server.app.app_context():
        return action(accounts.find_by_username(username))


def mark_page(page):
    page.evaluate("window.__marker = 'not reloaded'")


def assert_not_reloaded(page):
    assert page.evaluate("window.__marker") == "not reloaded"


def test_post_with_and_without_a_picture_then_edit_and_delete(page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    page.on("dialog", lambda dialog: dialog.accept())
    mark_page(page)
    feed = page.get_by_label("Your feed")

    page.get_by_label("New post").fill("Hello #world")
    page.get_by_role("button", name="Post", exact=True).click()
    first = feed.get_by_role("article").filter(has_text="Hello")
    expect(first.get_by_role("link", name="#world")).to_be_visible()
    expect(page.get_by_label("New post")).to_have_value("")

    picture = tmp_path / "sunset.png"
    picture.write_bytes(picture_bytes(size=(800, 600)))
    page.get_by_label("New post").fill("A sunset")
    page.get_by_label("Pictures").set_input_files(str(picture))
    page.get_by_role("button", name="Post", exact=True).click()
    second = feed.get_by_role("article").filter(has_text="A sunset")
    image = second.get_by_role("img", name="Picture 1 of 1, not described")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.decode().then(() => img.currentSrc)").endswith("/w640.webp")  # 560 px wide

    first.get_by_role("button", name="More actions").click()
    first.get_by_role("link", name="Edit post").click()
    page.get_by_label("Post text").fill("Hello again")
    page.get_by_role("button", name="Save").click()
    edited = feed.get_by_role("article").filter(has_text="Hello again")
    expect(edited.get_by_text("edited")).to_be_visible()

    edited.get_by_role("button", name="More actions").click()
    edited.get_by_role("button", name="Delete post").click()
    expect(page.get_by_text("Post deleted.")).to_be_visible()
    expect(feed.get_by_role("article")).to_have_count(1)
    assert_not_reloaded(page)


def test_edit_a_posts_pictures_without_a_reload(page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    log_in(page, live_server, "ada")
    old, new = tmp_path / "old.png", tmp_path / "new.png"
    old.write_bytes(picture_bytes(color=(200, 30, 30)))
    new.write_bytes(picture_bytes(color=(30, 30, 200)))
    page.get_by_label("New post").fill("Holiday")
    page.get_by_label("Pictures").set_input_files(str(old))
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.get_by_label("Your feed").get_by_role("article").filter(has_text="Holiday")
    picture = post.get_by_role("img", name="Picture 1 of 1, not described")
    expect(picture).to_be_visible()
    old_src = picture.get_attribute("srcset")
    mark_page(page)

    post.get_by_role("button", name="More actions").click()
    post.get_by_role("link", name="Edit post").click()
    page.get_by_role("checkbox", name="Remove picture 1").check()
    page.get_by_label("Add pictures").set_input_files(str(new))
    page.get_by_role("button", name="Save").click()
    expect(post.get_by_text("edited")).to_be_visible()
    expect(picture).to_be_visible()
    assert picture.get_attribute("srcset") != old_src
    assert_not_reloaded(page)


def test_bad_picture_keeps_the_text_typed(page, live_server, tmp_path):
    live_server.make_user("ada")
    log_in(page, live_server, "ada")
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"this is not a picture")
    page.get_by_label("New post").fill("Keep this text")
    page.get_by_label("Pictures").set_input_files(str(fake))
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not a picture we can read")
    expect(page.get_by_label("New post")).to_have_value("Keep this text")


def test_like_and_unlike_a_post_without_a_reload(page, live_server):
    from socialapp.services import accounts, posts, social

    live_server.make_user("ada")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    as_user(live_server, "bob", lambda bob: posts.create_post(bob, "Bob's news"))
    as_user(live_server, "ada", lambda ada: social.follow(ada, accounts.find_by_username("bob")))
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    mark_page(page)
    post = page.get_by_role("article", name="Bob Builder")
    post.get_by_role("button", name="Like", exact=True).click()
    expect(post.get_by_role("button", name="Unlike", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(post.get_by_role("link", name="1 like", exact=True)).to_be_visible()
    post.get_by_role("button", name="Unlike", exact=True).click()
    expect(post.get_by_role("button", name="Like", exact=True)).to_have_attribute("aria-pressed", "false")
    expect(post.get_by_role("link", name="0 likes")).to_be_visible()
    assert_not_reloaded(page)


def test_comment_reply_and_delete_a_comment_as_the_post_owner(page, live_server):
    from socialapp.services import comments, posts

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    post_id = as_user(live_server, "ada", lambda ada: posts.create_post(ada, "Ask me anything").id)
    as_user(live_server, "bob", lambda bob: comments.add_comment(bob, post_id, "Rude remark"))
    log_in(page, live_server, "ada")
    page.goto(live_server(f"/p/{post_id}"))
    page.on("dialog", lambda dialog: dialog.accept())
    mark_page(page)
    count = page.get_by_role("link", name="1 comment", exact=True)
    expect(count).to_be_visible()

    page.get_by_label("Write a comment").fill("Thanks for coming")
    page.get_by_role("button", name="Comment", exact=True).click()
    section = page.get_by_role("region", name="Comments")
    mine = section.get_by_role("article", name="Ada Lovelace")
    expect(mine).to_contain_text("Thanks for coming")
    expect(page.get_by_role("link", name="2 comments")).to_be_visible()
    expect(page.get_by_label("Write a comment")).to_have_value("")

    thread = section.get_by_role("listitem").filter(has_text="Thanks for coming")
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Write a reply").fill("And a reply")
    thread.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("list", name="Replies to Ada Lovelace")).to_contain_text("And a reply")
    expect(page.get_by_role("link", name="3 comments")).to_be_visible()

    rude = section.get_by_role("article", name="Bob Builder")
    rude.get_by_role("button", name="Delete comment").click()
    expect(page.get_by_text("Comment deleted.")).to_be_visible()
    expect(page.get_by_text("Rude remark")).to_have_count(0)
    expect(page.get_by_role("link", name="2 comments")).to_be_visible()
    assert_not_reloaded(page)


def test_a_followed_persons_new_post_is_announced_live_and_shown_on_request(page, live_server):
    from socialapp.services import posts, social

    live_server.make_user("ada")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    as_user(live_server, "ada", lambda ada: social.follow(ada, as_user(live_server, "bob", lambda bob: bob)))
    log_in(page, live_server, "ada")
    feed = page.get_by_label("Your feed")
    mark_page(page)
    show = page.get_by_role("button", name="New posts: show them")
    expect(show).to_have_count(0)
    # Pushed if the page's socket is up by then, else found when it gets ready: either way it shows.
    as_user(live_server, "bob", lambda bob: posts.create_post(bob, "Fresh from Bob"))
    show.click()
    expect(feed.get_by_role("article").filter(has_text="Fresh from Bob")).to_be_visible()
    expect(show).to_have_count(0)
    assert_not_reloaded(page)
