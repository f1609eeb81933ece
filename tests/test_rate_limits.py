"""Writing limits per account: posts, comments and chat messages, each refused with a 429 past its limit,
as a toast for htmx and as a page otherwise, without holding back anybody else."""

import pytest

from socialapp.services import posts
from tests.support.limits import rate_limited

HTMX = {"HX-Request": "true"}
SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "POST_RATE_LIMIT": "3 per minute",
    "COMMENT_RATE_LIMIT": "3 per minute",
    "CHAT_MESSAGE_RATE_LIMIT": "3 per minute",
}
# What each kind of writing posts, given the post it may comment on.
WRITES = {
    "post": lambda post: ("/posts", {"body": "Hello"}),
    "comment": lambda post: (f"/p/{post.id}/comments", {"body": "Nice"}),
    "chat message": lambda post: ("/chat/ada/messages", {"body": "Hi"}),
}


@pytest.fixture
def people(limited, make_user):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    return ada, bob, cy, posts.create_post(ada, "Anyone?")


@pytest.mark.parametrize("app_overrides", [SMALL_LIMITS], indirect=True)
@pytest.mark.parametrize("write", WRITES)
def test_writing_past_the_limit_is_refused_with_a_toast_for_htmx_and_a_page_otherwise(client, login, people, write):
    _, bob, cy, post = people
    path, data = WRITES[write](post)
    login(bob)
    statuses = [client.post(path, data=data, headers=HTMX).status_code for _ in range(3)]
    assert statuses == [200] * 3
    toast = client.post(path, data=data, headers=HTMX)
    assert toast.status_code == 429
    assert toast.headers["HX-Retarget"] == "#toasts" and "Retry-After" in toast.headers
    assert "Slow down" in toast.get_data(as_text=True) and "<html" not in toast.get_data(as_text=True)
    page = client.post(path, data=data)
    assert page.status_code == 429 and "<html" in page.get_data(as_text=True)
    login(cy)  # the limit is Bob's alone
    assert client.post(path, data=data, headers=HTMX).status_code == 200


@rate_limited
def test_a_fast_typist_is_not_held_back_in_chat_but_a_flood_is(client, login, people):
    login(people[1])
    statuses = [client.post("/chat/ada/messages", data={"body": f"{n}"}, headers=HTMX).status_code for n in range(31)]
    assert statuses[:30] == [200] * 30  # a message every third of a second for ten seconds
    assert statuses[30] == 429


def test_tests_write_without_limits_unless_they_ask(client, login, people):
    login(people[1])
    assert {client.post("/posts", data={"body": "again"}, headers=HTMX).status_code for _ in range(12)} == {200}
