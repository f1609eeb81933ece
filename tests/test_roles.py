"""Roles: the first account is the admin, `flask set-role` changes roles, and role-only routes check them."""

import pytest

from socialapp.models import User
from socialapp.services import accounts, roles
from socialapp.services.errors import Forbidden, InvalidInput
from socialapp.web import role_required
from tests.support.factories import make_user

STRONG = "violet tractor sings 42"


def test_first_account_registered_is_admin_and_later_ones_are_members(app, db):
    with app.test_request_context():
        accounts.register("Ada", "Lovelace", "ada", "ada@example.com", STRONG)
        accounts.register("Bob", "Builder", "bob", "bob@example.com", STRONG)
    assert accounts.find_by_username("ada").role == "admin"
    assert accounts.find_by_username("bob").role == "member"


def test_an_account_registered_beside_existing_ones_is_a_member(app, db):
    make_user("ada")
    with app.test_request_context():
        accounts.register("Bob", "Builder", "bob", "bob@example.com", STRONG)
    assert accounts.find_by_username("bob").role == "member"
    assert db.session.query(User).filter_by(role="admin").count() == 0


def test_roles_rank_admin_above_moderator_above_member(app, db):
    member, moderator, admin = make_user(), make_user(role="moderator"), make_user(role="admin")
    assert [roles.has_role(u, "moderator") for u in (member, moderator, admin)] == [False, True, True]
    assert [roles.has_role(u, "admin") for u in (member, moderator, admin)] == [False, False, True]
    with pytest.raises(Forbidden):
        roles.require_role(moderator, "admin")
    roles.require_role(admin, "moderator")


def test_set_role_refuses_an_unknown_role(app, db):
    with pytest.raises(InvalidInput):
        roles.set_role(make_user(), "owner")


def test_set_role_command_changes_a_role(app, db):
    make_user("bob")
    result = app.test_cli_runner().invoke(args=["set-role", "bob", "moderator"])
    assert result.exit_code == 0, result.output
    assert "bob is now a moderator" in result.output
    assert accounts.find_by_username("bob").role == "moderator"


@pytest.mark.parametrize("args", [["set-role", "nobody", "admin"], ["set-role", "bob", "owner"]])
def test_set_role_command_refuses_unknown_people_and_roles(app, db, args):
    make_user("bob")
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert accounts.find_by_username("bob").role == "member"


@pytest.fixture
def guarded_app(app):
    # Routes are added before the app's first request, as blueprints add theirs.
    app.add_url_rule("/_moderators", "moderators_only", role_required("moderator")(lambda: "moderators"))
    app.add_url_rule("/_admins", "admins_only", role_required("admin")(lambda: "admins"))
    return app


@pytest.mark.parametrize(
    ("role", "moderators", "admins"),
    [(None, 302, 302), ("member", 403, 403), ("moderator", 200, 403), ("admin", 200, 200)],
)
def test_role_required_answers_each_role(guarded_app, client, login, role, moderators, admins):
    if role:
        login(make_user(role=role))
    assert client.get("/_moderators").status_code == moderators
    assert client.get("/_admins").status_code == admins
