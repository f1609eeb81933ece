"""Every form tells every mistake at once: one submit with several bad fields shows each field's message,
keeps what was typed, and answers 422, whatever the form."""

import re

import pytest

from socialapp.services import accounts
from tests.support.factories import PASSWORD


def field_errors(response):
    """{field id: message} of a re-rendered form."""
    html = response.get_data(as_text=True)
    return dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', html))


def test_email_change_tells_a_wrong_password_and_a_bad_address_together(client, login, make_user, outbox):
    login(make_user("ada"))
    response = client.post("/settings/email", data={"em-email": "not an address", "em-password": "wrong guess"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["em-password"] == "Your password is not right."
    assert errors["em-email"].startswith("Enter a valid email address")
    assert 'value="not an address"' in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_email_change_tells_a_missing_password_and_ones_own_address_together(client, login, make_user):
    login(make_user("ada", email="ada@example.com"))
    response = client.post("/settings/email", data={"em-email": "ADA@example.com", "em-password": ""})
    assert response.status_code == 422
    assert field_errors(response) == {
        "em-email": "That is already your email address.",
        "em-password": "This field is required.",
    }


def test_email_change_tells_an_address_is_taken_only_with_the_right_password(client, login, make_user):
    login(make_user("ada"))
    make_user("bob", email="bob@example.com")
    wrong = client.post("/settings/email", data={"em-email": "bob@example.com", "em-password": "wrong guess"})
    assert field_errors(wrong) == {"em-password": "Your password is not right."}
    right = client.post("/settings/email", data={"em-email": "bob@example.com", "em-password": PASSWORD})
    assert field_errors(right) == {"em-email": "Another account uses this email address."}


def test_account_deletion_tells_a_wrong_password_and_the_unticked_box_together(client, login, make_user):
    login(make_user("ada"))
    response = client.post("/settings/delete", data={"del-password": "wrong guess"})
    assert response.status_code == 422
    assert field_errors(response) == {
        "del-password": "Your password is not right.",
        "del-confirm": "Tick the box to confirm.",
    }
    assert accounts.find_by_username("ada") is not None


def test_password_change_tells_a_wrong_current_password_a_weak_new_one_and_a_mismatch_together(
    client, login, make_user
):
    login(make_user("ada"))
    data = {"pw-current_password": "wrong guess", "pw-new_password": "short", "pw-confirm": "other"}
    response = client.post("/settings/password", data=data)
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["pw-current_password"] == "Your current password is not right."
    assert errors["pw-new_password"].startswith("Use at least")
    assert errors["pw-confirm"] == "The two passwords do not match."


def test_profile_edit_tells_every_bad_field_together(client, login, make_user):
    login(make_user("ada"))
    data = {"first_name": "", "last_name": "", "website": "not a link", "github": "not a link either"}
    data.update(country="ZZ", bio="x" * 161)
    response = client.post("/settings/profile", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert set(field_errors(response)) == {"first_name", "last_name", "website", "github", "country", "bio"}
    assert 'value="not a link"' in response.get_data(as_text=True)


def test_login_tells_both_empty_fields_together(client):
    response = client.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 422
    assert set(field_errors(response)) == {"login", "password"}


@pytest.mark.parametrize("path", ["/password/forgot", "/verify/resend"])
def test_an_email_only_form_says_what_is_missing(client, path):
    response = client.post(path, data={"email": ""})
    assert response.status_code == 422 and set(field_errors(response)) == {"email"}


def test_an_invitation_tells_bad_uses_and_bad_days_together(client, login, make_user):
    login(make_user("ada", role="admin"))
    response = client.post("/admin/invitations", data={"uses": "0", "days": "-1"})
    assert response.status_code == 422
    assert set(field_errors(response)) == {"uses", "days"}


def five_pictures():
    from tests.support.pictures import picture_bytes, upload

    return [upload(picture_bytes("PNG"), f"p{n}.png") for n in range(5)]


def test_a_post_tells_too_long_a_text_and_too_many_pictures_together(client, login, make_user):
    from socialapp.services import posts
    from tests.support.htmx import HTMX

    login(make_user("ada"))
    data = {"body": "x" * (posts.MAX_LENGTH + 1), "images": five_pictures()}
    response = client.post("/posts", data=data, content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"this one has {posts.MAX_LENGTH + 1:,}" in html and "at most 4 pictures; it would have 5" in html


def test_an_edited_post_tells_too_long_a_text_and_too_many_pictures_together(client, login, make_user):
    from socialapp.services import posts
    from tests.support.htmx import HTMX

    ada = make_user("ada")
    post = posts.create_post(ada, "Hello")
    login(ada)
    data = {"body": "x" * (posts.MAX_LENGTH + 1), "images": five_pictures()}
    response = client.post(f"/p/{post.id}/edit", data=data, content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"this one has {posts.MAX_LENGTH + 1:,}" in html and "at most 4 pictures; it would have 5" in html
