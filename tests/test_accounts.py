"""Registration, email verification and logging in."""

import re
from urllib.parse import urlsplit

import pytest

from socialapp.extensions import mail
from socialapp.models import User
from socialapp.services import accounts
from tests.support.factories import PASSWORD
from tests.support.mail import links_in
from tests.support.pages import masked_page

STRONG = "violet tractor sings 42"


def register(client, **fields):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "username": "ada",
        "email": "Ada@Example.com",
        "password": STRONG,
        "confirm": STRONG,
    }
    data.update(fields)
    return client.post("/register", data=data)


def test_register_creates_an_unverified_account_and_mails_a_link(client, db, outbox):
    response = register(client)
    assert response.status_code == 200
    assert b"Check your email" in response.data
    user = accounts.find_by_username("ada")
    assert user.email == "ada@example.com"
    assert not user.is_verified
    assert user.password_hash != STRONG
    message = outbox.last("ada@example.com")
    assert message["Subject"] == "Confirm your email address"
    assert "/verify/" in outbox.last_link()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"username": "ab"}, "3 to 30 characters"),
        ({"username": "bad name!"}, "letters, digits and underscores"),
        ({"username": "Admin"}, "reserved"),
        ({"email": "not-an-email"}, "valid email"),
        ({"password": "password1", "confirm": "password1"}, "too easy to guess"),
        ({"password": "short", "confirm": "short"}, "at least 8"),
        ({"confirm": "something else entirely"}, "do not match"),
        ({"password": "lovelace123", "confirm": "lovelace123"}, "too easy to guess"),
    ],
)
def test_register_rejects_bad_input_and_keeps_what_was_typed(client, db, fields, error):
    response = register(client, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error in html
    assert 'value="Ada"' in html and 'value="Lovelace"' in html
    assert db.session.query(User).count() == 0


def test_register_shows_every_mistake_at_once_and_keeps_what_was_typed(client, make_user):
    make_user("ada")
    response = register(client, email="not-an-email", password="password1", confirm="password2")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("That username is taken", "valid email", "too easy to guess", "do not match"):
        assert message in html
    assert html.count('aria-invalid="true"') == 4
    assert 'value="ada"' in html and 'value="not-an-email"' in html and 'value="Lovelace"' in html
    assert "password1" not in html


def test_registration_problems_names_every_field_and_register_refuses_them_together(db, make_user):
    make_user("ada")
    problems = accounts.registration_problems("Ada", "Lovelace", "ada", "nope", "password1")
    assert [field for field, _ in problems.problems] == ["username", "email", "password"]
    assert accounts.registration_problems("Ada", "Lovelace", "grace", "grace@example.com", STRONG) is None
    with pytest.raises(accounts.AccountError) as raised:
        accounts.register("Ada", "Lovelace", "ada", "nope", "password1")
    assert len(raised.value.problems) == 3


def test_usernames_are_unique_ignoring_case(client, make_user):
    make_user("Ada")
    response = register(client, username="aDA")
    assert response.status_code == 422
    assert b"That username is taken" in response.data


def test_one_account_per_email_after_normalisation_and_the_form_does_not_say_so(app, client, make_user, outbox):
    make_user("someone", email="ada@example.com")
    taken = register(client, email="  ADA@example.COM ")
    fresh = register(app.test_client(), username="grace", email="grace@example.com")
    assert taken.status_code == fresh.status_code == 200
    assert masked_page(taken, "ada@") == masked_page(fresh, "grace@")
    assert accounts.find_by_username("ada") is None
    # The owner of the address hears of it, with the way back into their account.
    notice = outbox.last("ada@example.com")
    assert notice["Subject"] == "You already have an account"
    assert [urlsplit(link).path for link in links_in(notice)] == ["/login", "/password/forgot"]


def test_verification_link_verifies_logs_in_and_goes_to_profile_setup(client, outbox):
    register(client)
    link = outbox.last_link()
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/welcome")
    assert accounts.find_by_username("ada").is_verified
    assert client.get("/u/ada").status_code == 200


def test_verification_link_works_only_once(client, outbox):
    register(client)
    link = outbox.last_link()
    client.get(link)
    client.post("/logout")
    response = client.get(link)
    assert response.status_code == 302
    assert "/verify/resend" in response.headers["Location"]
    assert client.get("/u/ada").status_code == 302  # not logged in again


def test_tampered_verification_link_is_refused(client, outbox):
    register(client)
    response = client.get(outbox.last_link() + "x")
    assert "/verify/resend" in response.headers["Location"]
    assert not accounts.find_by_username("ada").is_verified


def test_expired_verification_link_is_refused(client, app, outbox, monkeypatch):
    register(client)
    link = outbox.last_link()
    app.config["TOKEN_MAX_AGE"] = -1
    client.get(link)
    assert not accounts.find_by_username("ada").is_verified


def test_unverified_user_cannot_log_in_and_is_offered_a_new_link(client, make_user):
    make_user("ada", verified=False)
    response = client.post("/login", data={"login": "ada", "password": PASSWORD})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Confirm your email address before logging in" in html
    assert "Send the confirmation link again" in html
    assert client.get("/u/ada").status_code == 302


def test_a_session_of_an_unverified_user_is_not_honoured(client, make_user, login):
    user = make_user("ada", verified=False)
    make_user("bob")
    login(user)
    assert client.get("/u/bob").status_code == 302


def test_resend_mails_unverified_accounts_and_reveals_nothing(client, make_user, outbox):
    make_user("ada", verified=False, email="ada@example.com")
    make_user("bob", email="bob@example.com")
    pages = [
        client.post("/verify/resend", data={"email": e})
        for e in ("ada@example.com", "bob@example.com", "nobody@example.com")
    ]
    assert {p.status_code for p in pages} == {200}
    bodies = [re.sub(r"(ada|bob|nobody)@example.com", "EMAIL", p.get_data(as_text=True)) for p in pages]
    # A CSRF token carries the second it was signed in, which may differ from one page to the next.
    bodies = [re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", body) for body in bodies]
    assert bodies[0] == bodies[1] == bodies[2]
    assert [m["To"] for m in outbox.messages()] == ["ada@example.com"]


@pytest.mark.parametrize("login_with", ["ada", "ADA", "ada@example.com", "Ada@Example.com"])
def test_log_in_by_username_or_email(client, make_user, login_with):
    make_user("ada", email="ada@example.com")
    response = client.post("/login", data={"login": login_with, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/u/ada").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    make_user("ada")
    wrong_password = client.post("/login", data={"login": "ada", "password": "nope nope nope"})
    unknown_user = client.post("/login", data={"login": "nobody", "password": "nope nope nope"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert b"The username, email or password is not right." in wrong_password.data
    assert b'value="ada"' in wrong_password.data


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, make_user):
    make_user("ada")
    ok = client.post("/login?next=/u/ada", data={"login": "ada", "password": PASSWORD})
    assert ok.headers["Location"] == "/u/ada"
    client.post("/logout")
    evil = client.post("/login?next=//evil.example/", data={"login": "ada", "password": PASSWORD})
    assert evil.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_cookie(client, make_user):
    make_user("ada")
    client.post("/login", data={"login": "ada", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_log_out(client, make_user):
    make_user("ada")
    client.post("/login", data={"login": "ada", "password": PASSWORD})
    client.post("/logout")
    assert client.get("/u/ada").status_code == 302


def test_registration_mail_goes_through_a_real_smtp_server(app, client, smtp_server):
    host, port, inbox = smtp_server
    app.config.update(MAIL_SERVER=host, MAIL_PORT=port)
    app.extensions["mail"] = mail.init_mail(app.config)
    register(client)
    message = inbox.wait_for("ada@example.com")
    assert message["Subject"] == "Confirm your email address"
    link = links_in(message)[0]
    client.get(link)
    assert accounts.find_by_username("ada").is_verified
