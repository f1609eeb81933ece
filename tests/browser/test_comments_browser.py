"""Deleting a comment that others answered: their replies stay, under a placeholder."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_posts_browser import as_user, assert_not_reloaded, mark_page

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_deleting_my_comment_keeps_the_replies_of_others(live_server, open_browser, size):
    from socialapp.services import comments, posts

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    post_id = as_user(live_server, "ada", lambda ada: posts.create_post(ada, "Ask me anything").id)
    top_id = as_user(live_server, "bob", lambda bob: comments.add_comment(bob, post_id, "A hasty question").id)
    as_user(live_server, "ada", lambda ada: comments.add_comment(ada, post_id, "A careful answer", top_id))

    bob = open_browser("bob", viewport=SIZES[size])
    bob.goto(live_server(f"/p/{post_id}"))
    bob.on("dialog", lambda dialog: dialog.accept())
    mark_page(bob)
    section = bob.get_by_role("region", name="Comments")
    section.get_by_role("article", name="Bob Builder").get_by_role("button", name="Delete comment").click()

    expect(section.get_by_role("article", name="Deleted comment")).to_have_text("Comment deleted")
    expect(bob.get_by_text("A hasty question")).to_have_count(0)
    replies = section.get_by_role("list", name="Replies to a deleted comment")
    expect(replies.get_by_role("article", name="Ada Lovelace")).to_contain_text("A careful answer")
    expect(bob.get_by_role("link", name="1 comment", exact=True)).to_be_visible()
    assert_not_reloaded(bob)

    bob.reload()  # and so it stays
    expect(section.get_by_role("article", name="Deleted comment")).to_be_visible()
    expect(section.get_by_text("A careful answer")).to_be_visible()
