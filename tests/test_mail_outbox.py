"""Mail goes through an outbox: with the mail server down, accounts still work, and the mail follows later."""

import socket
import time

import pytest

from socialapp.models import OutboxMail, User
from socialapp.services import accounts, mail
from tests.support.mail import links_in
from tests.test_accounts import register


@pytest.fixture
def smtp(app, mail_server):
    """The app sending through the test's own SMTP server."""
    app.config.update(MAIL_SERVER=mail_server.host, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2)
    return mail_server


def mail_to(inbox, address):
    return [m for m in inbox.messages if address in m["To"]]


def test_with_the_mail_server_down_register_resend_and_reset_answer_then_mail_follows(app, client, db, make_user, smtp):
    make_user("bob", email="bob@example.com")
    smtp.stop()
    registered = register(client)
    resent = client.post("/verify/resend", data={"email": "ada@example.com"})
    reset = client.post("/password/forgot", data={"email": "bob@example.com"})
    assert [r.status_code for r in (registered, resent, reset)] == [200, 200, 200]
    for page in (registered, resent, reset):
        assert b"Check your email" in page.data
        assert b"Our mail server is slow to answer" in page.data
    ada = accounts.find_by_username("ada")
    assert ada is not None and not ada.is_verified
    assert db.session.query(OutboxMail).count() == 3

    smtp.start()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 3 messages; 0 still waiting." in result.output
    assert [m["Subject"] for m in mail_to(smtp.inbox, "ada@example.com")] == ["Confirm your email address"] * 2
    assert [m["Subject"] for m in mail_to(smtp.inbox, "bob@example.com")] == ["Reset your password"]
    assert db.session.query(OutboxMail).count() == 0
    assert b"slow to answer" not in client.post("/verify/resend", data={"email": "x@example.com"}).data
    client.get(links_in(mail_to(smtp.inbox, "ada@example.com")[-1])[0])
    assert accounts.find_by_username("ada").is_verified


def test_a_mail_server_that_never_answers_costs_a_request_only_its_timeout(app, client, smtp):
    smtp.stop()
    silent = socket.socket()
    silent.bind((smtp.host, smtp.port))
    silent.listen()  # connections are queued, never greeted
    app.config["MAIL_TIMEOUT"] = 0.5
    try:
        started = time.monotonic()
        response = register(client)
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    assert response.status_code == 200
    assert accounts.find_by_username("ada") is not None


def test_waiting_mail_goes_out_after_a_later_response(app, client, smtp):
    app.config["MAIL_RETRY_SECONDS"] = 0
    smtp.stop()
    register(client)
    assert mail_to(smtp.inbox, "ada@example.com") == []
    smtp.start()
    # What a WSGI server does once the response is sent: the retry runs then, so nobody waits for it.
    client.get("/").close()
    assert smtp.inbox.wait_for("ada@example.com")["Subject"] == "Confirm your email address"


def test_a_message_is_retried_no_sooner_than_its_delay(app, db, smtp):
    smtp.stop()
    with app.test_request_context():
        mail.send_email("ada@example.com", "Confirm your email", "email/verify", user=User(first_name="Ada"), link="x")
    waiting = db.session.query(OutboxMail).one()
    assert waiting.attempts == 1 and waiting.last_error
    smtp.start()
    assert mail.send_waiting() == 0  # its next attempt is MAIL_RETRY_SECONDS away
    assert mail.send_waiting(everything=True) == 1
    assert db.session.query(OutboxMail).count() == 0


def test_mail_whose_links_have_expired_is_given_up(app, db, smtp):
    smtp.stop()
    register(app.test_client())
    app.config["TOKEN_MAX_AGE"] = -1
    smtp.start()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "Sent 0 messages; 0 still waiting." in result.output
    assert smtp.inbox.messages == []


def test_a_failed_send_mail_says_so(app, smtp):
    smtp.stop()
    register(app.test_client())
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code != 0
    assert "Sent 0 messages; 1 still waiting." in result.output
