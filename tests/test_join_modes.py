"""Who may join: open, by invitation, by email domain, closed; invitation links and `flask invite`."""

from datetime import timedelta

import pytest

from socialapp.models import Invitation, User
from socialapp.models.base import utcnow
from socialapp.services import accounts, instance, invitations
from socialapp.services.errors import Forbidden, InvalidInput, NotFound

STRONG = "violet tractor sings 42"


def register(client, **fields):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "username": "grace",
        "email": "grace@example.org",
        "password": STRONG,
        "confirm": STRONG,
    }
    data.update(fields)
    return client.post("/register", data=data)


@pytest.fixture
def admin(make_user):
    return make_user("root_admin", role="admin")


def set_mode(admin, mode, domains=""):
    instance.update_join_settings(admin, mode, domains, False)


def test_an_instance_is_open_by_default(client, admin):
    assert instance.join_settings() == {"mode": "open", "domains": [], "members_invite": False}
    assert register(client).status_code == 200
    assert accounts.find_by_username("grace") is not None


def test_closed_instance_refuses_sign_up_keeps_what_was_typed_and_says_so(client, admin, db):
    set_mode(admin, "closed")
    assert "Sign-up is closed" in client.get("/register").get_data(as_text=True)
    response = register(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Sign-up is closed" in html and 'value="Grace"' in html and 'value="grace@example.org"' in html
    assert db.session.query(User).count() == 1


def test_the_first_account_may_register_whatever_the_mode(client, db):
    db.session.add_all([instance_row("join_mode", "closed")])
    db.session.commit()
    assert register(client).status_code == 200
    assert accounts.find_by_username("grace").role == "admin"


def instance_row(key, value):
    from socialapp.models import InstanceSetting

    return InstanceSetting(key=key, value=value)


def test_invitation_mode_turns_away_visitors_without_a_link(client, admin):
    set_mode(admin, "invitation")
    assert "Joining is by invitation: ask a member for a link" in client.get("/register").get_data(as_text=True)
    response = register(client)
    assert response.status_code == 403
    assert "ask a member for a link" in response.get_data(as_text=True)
    assert accounts.find_by_username("grace") is None


def test_an_invitation_link_lets_its_holder_register_and_takes_one_use(app, client, admin):
    set_mode(admin, "invitation")
    link = invitations.create(admin, uses=2, days=3)
    assert client.get(f"/join/{link.code}").headers["Location"].endswith("/register")
    assert "You have an invitation" in client.get("/register").get_data(as_text=True)
    assert register(client).status_code == 200
    assert accounts.find_by_username("grace") is not None
    assert invitations.usable(link.code).uses == 1
    # The link is no longer in this browser's session: a second sign-up there needs the link again.
    assert register(client, username="grace2", email="grace2@example.org").status_code == 403


def test_a_used_up_expired_or_revoked_link_does_not_open_the_door(app, client, admin, db):
    set_mode(admin, "invitation")
    used = invitations.create(admin, uses=1, days=1)
    used.uses = 1
    expired = invitations.create(admin, uses=5, days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    revoked = invitations.create(admin, uses=5, days=1)
    invitations.revoke(admin, revoked.id)
    for code in (used.code, expired.code, revoked.code, "nonsense"):
        other = app.test_client()
        response = other.get(f"/join/{code}", follow_redirects=True)
        assert "invalid, expired or used up" in response.get_data(as_text=True)
        assert register(other).status_code == 403


def test_the_last_use_of_a_link_goes_to_one_sign_up_only(app, admin):
    set_mode(admin, "invitation")
    link = invitations.create(admin, uses=1, days=1)
    first, second = app.test_client(), app.test_client()
    first.get(f"/join/{link.code}")
    second.get(f"/join/{link.code}")
    assert register(first).status_code == 200
    response = register(second, username="other", email="other@example.org")
    assert response.status_code == 403
    assert accounts.find_by_username("other") is None


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("grace@example.org", True),
        ("Grace@EXAMPLE.ORG", True),
        ("grace@sub.example.org", False),
        ("grace@example.com", False),
        ("grace@bücher.example", True),
        ("grace@xn--bcher-kva.example", True),
    ],
)
def test_domain_check_ignores_case_and_compares_idna_forms(admin, email, allowed):
    set_mode(admin, "domains", "Example.org\nBÜCHER.example")
    assert instance.join_settings()["domains"] == ["example.org", "xn--bcher-kva.example"]
    assert instance.domain_allowed(email, instance.join_settings()["domains"]) is allowed


def test_domain_mode_turns_away_other_addresses_on_the_email_field(client, admin):
    set_mode(admin, "domains", "example.org")
    assert "Only addresses at example.org can join" in client.get("/register").get_data(as_text=True)
    refused = register(client, email="grace@elsewhere.net")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert 'id="email-error"' in html and "Only addresses at example.org can join" in html
    assert register(client).status_code == 200


def test_domain_mode_needs_a_domain_and_bad_domains_are_refused(admin):
    with pytest.raises(InvalidInput, match="at least one"):
        set_mode(admin, "domains", "")
    with pytest.raises(InvalidInput, match="not a domain"):
        set_mode(admin, "domains", "not a domain!")
    with pytest.raises(InvalidInput):
        set_mode(admin, "everyone")
    assert instance.join_settings()["mode"] == "open"


def test_admin_changes_the_join_mode_on_the_settings_page(client, login, admin):
    login(admin)
    page = client.get("/admin/instance").get_data(as_text=True)
    assert "Who may join" in page
    response = client.post("/admin/instance", data={"mode": "domains", "domains": "example.org, team.example"})
    assert response.status_code == 302
    assert instance.join_settings()["domains"] == ["example.org", "team.example"]
    bad = client.post("/admin/instance", data={"mode": "domains", "domains": "bad!domain"})
    assert bad.status_code == 422 and "bad!domain" in bad.get_data(as_text=True)


def test_members_make_links_only_when_the_admin_allows_it(client, login, admin, make_user, db):
    member = make_user("member")
    with pytest.raises(Forbidden):
        invitations.create(member)
    login(member)
    assert client.get("/admin/invitations").status_code == 403
    assert "Invite people" not in client.get("/settings").get_data(as_text=True)
    instance.update_join_settings(admin, "invitation", "", True)
    assert "Invite people" in client.get("/settings").get_data(as_text=True)
    made = client.post("/admin/invitations", data={"uses": "3", "days": "2"})
    assert made.status_code == 201
    link = db.session.query(Invitation).one()
    assert f"/join/{link.code}" in made.get_data(as_text=True)
    assert (link.created_by_id, link.max_uses) == (member.id, 3)


def test_a_member_revokes_their_own_links_but_not_others(admin, make_user):
    instance.update_join_settings(admin, "invitation", "", True)
    member, other = make_user("member"), make_user("other")
    mine = invitations.create(member)
    with pytest.raises(NotFound):
        invitations.revoke(other, mine.id)
    invitations.revoke(member, mine.id)
    assert invitations.usable(mine.code) is None
    assert [i.id for i in invitations.made_by(other)] == []
    assert [i.id for i in invitations.made_by(admin)] == [mine.id]


@pytest.mark.parametrize(("uses", "days"), [("0", "7"), ("1001", "7"), ("1", "0"), ("x", "7")])
def test_invitation_form_refuses_bad_numbers_and_keeps_them(client, login, admin, uses, days, db):
    login(admin)
    response = client.post("/admin/invitations", data={"uses": uses, "days": days})
    assert response.status_code == 422
    assert db.session.query(Invitation).count() == 0


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/admin/instance", "get"),
        ("/admin/instance", "post"),
        ("/admin/invitations", "get"),
        ("/admin/invitations", "post"),
        ("/admin/invitations/1/revoke", "post"),
    ],
)
@pytest.mark.parametrize(("role", "expected"), [(None, 302), ("member", 403), ("moderator", 403), ("admin", None)])
def test_instance_routes_answer_each_role(client, login, make_user, url, method, role, expected):
    owner = make_user("owner", role="admin")
    link = invitations.create(owner)
    if role:
        login(make_user(role=role))
    data = {"mode": "open", "domains": "", "uses": "1", "days": "1"}
    response = getattr(client, method)(url.replace("/1/", f"/{link.id}/"), data=data if method == "post" else None)
    if expected is None:
        assert response.status_code in (200, 201, 302)
    else:
        assert response.status_code == expected
    if role != "admin":
        assert invitations.usable(link.code) is not None


def test_invite_command_prints_links_that_work(app, db):
    result = app.test_cli_runner().invoke(args=["invite", "--uses", "2", "--expires-in", "3", "--count", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.split()
    assert len(lines) == 3 and all("/join/" in line for line in lines)
    links = db.session.query(Invitation).all()
    assert {f"/join/{i.code}" for i in links} == {line[line.index("/join/") :] for line in lines}
    assert all(i.max_uses == 2 and i.created_by_id is None for i in links)
    assert all(timedelta(days=2.9) < i.expires_at - utcnow() <= timedelta(days=3) for i in links)


def test_invite_command_makes_many_links_in_batches(app, db):
    result = app.test_cli_runner().invoke(args=["invite", "--count", "250"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Invitation).count() == 250
    assert len({line for line in result.output.split() if "/join/" in line}) == 250


def test_invite_command_refuses_bad_numbers(app, db):
    result = app.test_cli_runner().invoke(args=["invite", "--uses", "0"])
    assert result.exit_code != 0 and "1 to 1000" in result.output
    assert db.session.query(Invitation).count() == 0
