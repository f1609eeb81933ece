"""Two people chatting in two browsers: live delivery, badges, "Seen", and nothing lost while offline."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.get_by_label("Message", exact=True)).to_have_value("")


def test_two_people_chat_live_and_nothing_is_lost_while_one_is_away(live_server, open_browser):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    ada = open_browser("ada")
    bob = open_browser("bob", timezone_id="Asia/Tokyo")
    bob.goto(live_server("/chat/"))
    ada.goto(live_server("/chat/bob"))

    send(ada, "Hello Bob")
    expect(ada.get_by_role("log").get_by_text("Hello Bob")).to_be_visible()

    # Bob, on the chat page, sees the conversation arrive with its time in his own time zone.
    conversations = bob.get_by_role("list", name="Conversations")
    row = conversations.get_by_role("listitem").filter(has_text="Hello Bob")
    expect(row).to_be_visible()
    sent_at = datetime.fromisoformat(row.locator("time").get_attribute("datetime").replace("Z", "+00:00"))
    in_tokyo = sent_at + timedelta(hours=9)
    clock = f"({in_tokyo.strftime('%H:%M')}|{in_tokyo.strftime('%I:%M')})"  # 24- or 12-hour, as the locale has it
    expect(row.locator("time")).to_have_text(re.compile(clock))
    expect(bob.get_by_role("link", name="Chat 1 unread")).to_be_visible()

    # Bob opens it: the message is there with its time, and Ada sees "Seen".
    row.get_by_role("link").click()
    message = bob.get_by_role("log").get_by_role("listitem").filter(has_text="Hello Bob")
    expect(message).to_be_visible()
    expect(message.locator("time")).to_have_attribute("title", re.compile(r"\d"))
    expect(bob.get_by_role("link", name="Chat", exact=True)).to_be_visible()
    expect(ada.get_by_text("Seen", exact=True)).to_be_visible()

    # Bob replies: it appears for Ada at once, and her "Seen" goes since the last word is his.
    send(bob, "Hi Ada")
    expect(ada.get_by_role("log").get_by_text("Hi Ada")).to_be_visible()
    expect(ada.get_by_text("Seen", exact=True)).to_be_hidden()

    # Bob goes away; Ada writes three messages; Bob comes back and finds all three, in order.
    bob.context.close()
    for text in ("one while away", "two while away", "three while away"):
        send(ada, text)
    bob = open_browser("bob")
    expect(bob.get_by_role("link", name="Chat 3 unread")).to_be_visible()
    bob.goto(live_server("/chat/ada"))
    log = bob.get_by_role("log")
    expect(log.locator(".message")).to_have_count(5)
    texts = log.locator(".message-body").all_inner_texts()
    assert texts == ["Hello Bob", "Hi Ada", "one while away", "two while away", "three while away"]
    # Ada's own messages came back to her by the response and by her socket, and are shown once.
    expect(ada.get_by_role("log").locator(".message")).to_have_count(5)
    expect(ada.get_by_text("Seen", exact=True)).to_be_visible()


def test_typing_shows_and_a_deleted_message_is_deleted_for_both(live_server, open_browser):
    live_server.make_user("ada", first_name="Ada")
    live_server.make_user("bob", first_name="Bob")
    ada = open_browser("ada")
    bob = open_browser("bob")
    ada.goto(live_server("/chat/bob"))
    bob.goto(live_server("/chat/ada"))
    send(ada, "a message to take back")
    expect(bob.get_by_role("log").get_by_text("a message to take back")).to_be_visible()

    bob.get_by_label("Message", exact=True).press_sequentially("thinking")
    expect(ada.get_by_text("Bob is typing…")).to_be_visible()

    # Delete asks first: dismissed, nothing happens; accepted, the message goes for both.
    questions = []
    ada.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    ada.get_by_role("log").get_by_role("button", name="Delete message").click()
    expect(ada.get_by_role("log").get_by_text("a message to take back")).to_be_visible()
    assert questions == ["Delete this message? It cannot be undone."]
    ada.once("dialog", lambda dialog: dialog.accept())
    ada.get_by_role("log").get_by_role("button", name="Delete message").click()
    expect(ada.get_by_role("log").get_by_text("This message was deleted")).to_be_visible()
    expect(bob.get_by_role("log").get_by_text("This message was deleted")).to_be_visible()
    expect(bob.get_by_text("a message to take back")).to_have_count(0)


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}])
def test_shift_enter_starts_a_new_line_and_days_are_separated(live_server, open_browser, size):
    from datetime import timedelta

    from socialapp.extensions import db
    from socialapp.services import accounts, chat

    live_server.make_user("ada", first_name="Ada")
    live_server.make_user("bob", first_name="Bob")
    with live_server.app.app_context():
        ada_user, bob_user = accounts.find_by_username("ada"), accounts.find_by_username("bob")
        for days_ago, body in ((3, "three days ago"), (3, "same day, later"), (1, "one day old")):
            message = chat.send_message(bob_user, ada_user, body)
            message.created_at -= timedelta(days=days_ago)
            db.session.commit()
    ada = open_browser("ada", viewport=size)
    ada.goto(live_server("/chat/bob"))
    log = ada.get_by_role("log")
    expect(log.get_by_role("listitem").filter(has_text=re.compile("^Yesterday$"))).to_have_count(1)

    box = ada.get_by_label("Message", exact=True)
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    box.press("Enter")
    expect(box).to_have_value("")
    sent = log.get_by_role("listitem").filter(has_text="first line")
    expect(sent).to_contain_text("first line\nsecond line")

    # One separator per day, in order: the day of the first two, yesterday, today (added with the sent one).
    separators = log.locator(".day-separator")
    expect(separators).to_have_count(3)
    expect(separators.nth(1)).to_have_text("Yesterday")
    expect(separators.nth(2)).to_have_text("Today")


def test_an_oversized_message_is_refused_and_kept_in_the_box(live_server, open_browser):
    live_server.make_user("ada")
    live_server.make_user("bob")
    ada = open_browser("ada")
    ada.goto(live_server("/chat/bob"))
    ada.get_by_label("Message", exact=True).fill("z" * 2001)
    ada.get_by_label("Message", exact=True).press("Enter")
    expect(ada.get_by_role("alert")).to_contain_text("limited to 2,000 characters")
    expect(ada.get_by_label("Message", exact=True)).to_have_value("z" * 2001)
    expect(ada.get_by_role("log").get_by_role("listitem")).to_have_count(0)


def test_the_online_filter_follows_people_coming_and_going(live_server, open_browser):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    live_server.make_user("cy", first_name="Cy", last_name="Young")
    ada = open_browser("ada")
    ada.goto(live_server("/chat/"))
    ada.get_by_role("radio", name="Online").check()
    expect(ada.get_by_text("No one here right now.")).to_be_visible()
    people = ada.get_by_role("list", name="People")
    expect(people.get_by_text("Bob Babbage")).to_have_count(0)

    bob = open_browser("bob")
    bob.goto(live_server("/chat/"))
    # Bob is online once his page's socket is up, which a busy box may delay past the usual 10 s.
    expect(
        people.get_by_role("listitem").filter(has_text="Bob Babbage").get_by_role("img", name="Online")
    ).to_be_visible(timeout=20_000)
    expect(people.get_by_text("Cy Young")).to_have_count(0)
    expect(ada.get_by_text("No one here right now.")).to_be_hidden()

    # Presence waits out a grace before "offline", so that moving between pages does not flicker: 5 s, here 1.
    live_server.app.extensions["realtime"].presence.grace = 1
    bob.context.close()
    expect(people.get_by_text("Bob Babbage")).to_be_hidden(timeout=20_000)
    expect(ada.get_by_text("No one here right now.")).to_be_visible()
    ada.get_by_role("radio", name="Offline").check()
    expect(
        people.get_by_role("listitem").filter(has_text="Bob Babbage").get_by_role("img", name="Offline")
    ).to_be_visible()
    ada.get_by_label("Search people by name").fill("cy")
    expect(people.get_by_role("listitem")).to_have_count(1)
    expect(people.get_by_text("Cy Young")).to_be_visible()


def test_home_shows_who_is_online_beside_the_feed_with_a_way_to_chat(live_server, open_browser):
    from socialapp.services import accounts, social

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    live_server.make_user("cy", first_name="Cy", last_name="Young")
    with live_server.app.app_context():
        social.follow(accounts.find_by_username("ada"), accounts.find_by_username("bob"))
    bob = open_browser("bob")
    bob.goto(live_server("/chat/"))
    cy = open_browser("cy")  # online too, but Ada neither follows nor chats with Cy
    cy.goto(live_server("/chat/"))

    ada = open_browser("ada", viewport={"width": 1280, "height": 800})
    box = ada.get_by_role("complementary", name="Online now")
    # Bob is online once his page's socket is up, which a busy box may delay past the usual 10 s.
    for _ in range(20):
        ada.goto(live_server("/"))
        if box.get_by_role("link", name="Chat with Bob Babbage").count():
            break
        ada.wait_for_timeout(1000)
    expect(box.get_by_role("link", name="Chat with Bob Babbage @bob")).to_be_visible()
    expect(box.get_by_text("Cy Young")).to_have_count(0)
    # A column beside the feed, not under it.
    feed = ada.get_by_role("heading", name="Home").bounding_box()
    assert box.bounding_box()["x"] > feed["x"] + 300 and box.bounding_box()["y"] < 300
    box.get_by_role("link", name="Chat with Bob Babbage @bob").click()
    expect(ada).to_have_url(live_server("/chat/bob"))
    expect(ada.get_by_role("textbox", name="Message")).to_be_focused()
