"""What an attacker could learn or keep: which accounts exist, a copied cookie, a stranger's verification
link, many guesses at one password, an email change behind the owner's back."""

import time

from werkzeug.security import generate_password_hash

from socialapp.services import accounts
from tests.support.factories import PASSWORD
from tests.support.limits import rate_limited
from tests.support.mail import links_in
from tests.test_accounts import register

NEW = "plum orbit lantern 77"


def log_in(client, login="ada", password=PASSWORD, **kwargs):
    return client.post("/login", data={"login": login, "password": password, **kwargs})


def test_an_unknown_login_costs_the_same_password_check_as_a_known_one(client, make_user, monkeypatch):
    make_user("ada")
    methods = []
    real_check = accounts.check_password_hash

    def check(password_hash, password):
        methods.append(password_hash.split("$")[0])
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", check)
    for login in ("nobody", "nobody@example.com", "not an address@"):
        assert log_in(client, login, "wrong guess here").status_code == 401
    assert methods == [generate_password_hash("x").split("$")[0]] * 3


def test_a_login_takes_as_long_whether_or_not_the_account_exists(client, db, make_user):
    ada = make_user("ada")
    ada.password_hash = generate_password_hash(PASSWORD)  # the hasher real accounts get, not the tests' cheap one
    db.session.commit()

    # CPU time of this thread (the test client runs the request in it): the password hash is CPU work,
    # and unlike the wall clock it does not depend on what else the machine is doing.
    def fastest(login):
        times = []
        for _ in range(3):
            started = time.thread_time()
            log_in(client, login, "wrong guess here")
            times.append(time.thread_time() - started)
        return min(times)

    known, unknown = fastest("ada"), fastest("nobody")
    assert unknown > known / 2, f"unknown login {unknown * 1000:.0f} ms, known {known * 1000:.0f} ms"


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, client, make_user):
    make_user("ada")
    log_in(client)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/settings").status_code == 200
    client.post("/logout")
    assert thief.get("/settings").status_code == 302


def test_a_remember_me_cookie_copied_before_logout_is_refused_after_it(app, client, make_user):
    make_user("ada")
    log_in(client, remember="y")
    copied = client.get_cookie("remember_token").value
    before, after = app.test_client(), app.test_client()
    before.set_cookie("remember_token", copied)
    assert before.get("/settings").status_code == 200
    client.post("/logout")
    after.set_cookie("remember_token", copied)
    assert after.get("/settings").status_code == 302


def test_logging_out_ends_only_that_login(app, client, make_user):
    make_user("ada")
    phone = app.test_client()
    log_in(client)
    log_in(phone)
    client.post("/logout")
    assert phone.get("/settings").status_code == 200


def test_a_password_reset_ends_every_login(app, client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    log_in(client, remember="y")
    client.post("/password/forgot", data={"email": "ada@example.com"})
    app.test_client().post(outbox.last_link("ada@example.com"), data={"password": NEW, "confirm": NEW})
    assert client.get("/settings").status_code == 302


def from_address(n):
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


@rate_limited
def test_failed_logins_to_one_account_are_throttled_from_any_number_of_addresses(limited, client, make_user):
    make_user("ada")
    make_user("bob")
    guesses = [
        client.post("/login", data={"login": login, "password": "wrong guess"}, environ_base=from_address(n))
        for n, login in enumerate(["ada", "ADA", " Ada "] * 3 + ["ada"])
    ]
    assert [r.status_code for r in guesses] == [401] * 10
    locked = client.post("/login", data={"login": "ada", "password": PASSWORD}, environ_base=from_address(50))
    assert locked.status_code == 429
    # Another account, from the same addresses, is not held back.
    other = client.post("/login", data={"login": "bob", "password": PASSWORD}, environ_base=from_address(1))
    assert other.status_code == 302


@rate_limited
def test_successful_logins_do_not_count_against_the_account(limited, app, make_user):
    make_user("ada")
    data = {"login": "ada", "password": PASSWORD}
    statuses = [
        app.test_client().post("/login", data=data, environ_base=from_address(n)).status_code for n in range(12)
    ]
    assert statuses == [302] * 12


def test_a_verification_link_opened_in_another_browser_confirms_but_does_not_log_in(app, client, outbox):
    register(client)
    stranger = app.test_client()
    response = stranger.get(outbox.last_link("ada@example.com"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/welcome"
    assert accounts.find_by_username("ada").is_verified
    assert b"Your email address is confirmed. Log in to continue." in stranger.get("/login").data
    assert stranger.get("/settings").status_code == 302


def test_a_link_sent_again_from_the_registering_browser_logs_it_in(app, client, outbox):
    register(client)
    app.test_client().post("/verify/resend", data={"email": "ada@example.com"})
    from_elsewhere = outbox.last_link("ada@example.com")
    client.post("/verify/resend", data={"email": "ada@example.com"})
    from_here = outbox.last_link("ada@example.com")
    assert from_here != from_elsewhere
    assert client.get(from_here).headers["Location"] == "/welcome"
    assert client.get("/settings").status_code == 200


def test_an_email_change_tells_the_old_address_and_only_the_newest_link_works(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    log_in(client)
    client.post("/settings/email", data={"em-email": "first@example.com", "em-password": PASSWORD})
    first = outbox.last_link("first@example.com")
    notice = outbox.last("ada@example.com")
    assert notice["Subject"] == "Your email address is being changed"
    assert "first@example.com" in notice.get_body(preferencelist=("plain",)).get_content()
    assert links_in(notice)[0].endswith("/password/forgot")
    client.post("/settings/email", data={"em-email": "second@example.com", "em-password": PASSWORD})
    second = outbox.last_link("second@example.com")
    assert client.get(first).status_code == 400
    assert accounts.find_by_username("ada").email == "ada@example.com"
    assert client.get(second).status_code == 302
    assert accounts.find_by_username("ada").email == "second@example.com"


def test_a_password_reset_cancels_a_pending_email_change(app, client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    log_in(client)
    client.post("/settings/email", data={"em-email": "thief@example.com", "em-password": PASSWORD})
    link = outbox.last_link("thief@example.com")
    app.test_client().post("/password/forgot", data={"email": "ada@example.com"})
    app.test_client().post(outbox.last_link("ada@example.com"), data={"password": NEW, "confirm": NEW})
    assert app.test_client().get(link).status_code == 400
    assert accounts.find_by_username("ada").email == "ada@example.com"
