"""Profile pages, editing every field, pictures, and who may see them."""

import pytest

from socialapp.models import Block
from socialapp.services import accounts, profiles
from tests.support.pictures import picture_bytes, upload


def edit(client, **fields):
    data = {"first_name": "Ada", "last_name": "Lovelace", "country": ""}
    data.update(fields)
    return client.post("/settings/profile", data=data, content_type="multipart/form-data")


def test_edit_every_field_and_see_it_on_the_profile(client, make_user, login):
    login(make_user("ada"))
    response = edit(
        client,
        bio="Analyst",
        about="First line\nSecond line",
        address="12 St James's Square",
        country="GB",
        website="https://ada.example",
        github="https://github.com/ada",
    )
    assert response.status_code == 302
    html = client.get("/u/ada").get_data(as_text=True)
    for text in (
        "Analyst",
        "First line\nSecond line",
        "12 St James&#39;s Square",
        "United Kingdom",
        "https://github.com/ada",
    ):
        assert text in html
    assert 'rel="me nofollow noopener noreferrer"' in html


def test_emptying_a_field_clears_it(client, make_user, login):
    user = make_user("ada", bio="Old bio", country="FR", website="https://old.example")
    login(user)
    edit(client, bio="", website="")
    user = accounts.find_by_username("ada")
    assert user.bio == "" and user.website == "" and user.country == ""


def test_clear_field_refuses_required_names(app, make_user):
    user = make_user("ada", bio="x")
    profiles.clear_field(user, "bio")
    assert user.bio == ""
    with pytest.raises(profiles.ProfileError):
        profiles.clear_field(user, "first_name")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": "javascript:alert(1)"}, "http:// or https://"),
        ({"github": "data:text/html,hi"}, "http:// or https://"),
        ({"linkedin": "https://"}, "http:// or https://"),
        ({"country": "XX"}, "Choose a country from the list."),
        ({"bio": "x" * 161}, "at most 160"),
        ({"first_name": ""}, "This field is required."),
    ],
)
def test_bad_fields_get_a_clear_message_and_keep_what_was_typed(client, make_user, login, fields, message):
    login(make_user("ada", bio="Kept"))
    response = edit(client, address="Typed address", **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Typed address"' in html
    assert accounts.find_by_username("ada").address == ""  # nothing half-saved


def test_upload_a_picture_and_see_it_as_the_avatar(client, make_user, login):
    login(make_user("ada"))
    response = edit(client, picture=upload(picture_bytes("PNG", size=(600, 400))))
    assert response.status_code == 302
    user = accounts.find_by_username("ada")
    assert user.avatar_key
    html = client.get("/u/ada").get_data(as_text=True)
    src = f"/media/{user.id}/{user.avatar_key}/avatar.jpg"
    assert src in html
    picture = client.get(src)
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"


def test_a_bad_upload_is_refused_and_the_rest_of_the_form_is_kept(client, make_user, login):
    login(make_user("ada"))
    response = edit(client, bio="My typed bio", picture=upload(b"not an image", "cat.jpg"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That file is not a picture we can read." in html
    assert 'value="My typed bio"' in html
    assert accounts.find_by_username("ada").avatar_key is None


def test_replacing_and_removing_the_picture_deletes_old_files(client, make_user, login, app):
    import os

    from socialapp.services import images

    user = make_user("ada")
    login(user)
    edit(client, picture=upload(picture_bytes()))
    first = accounts.find_by_username("ada").avatar_key
    edit(client, picture=upload(picture_bytes(color=(0, 0, 255))))
    second = accounts.find_by_username("ada").avatar_key
    assert first != second
    assert not os.path.exists(images.image_path(user.id, first, "avatar"))
    client.post("/settings/profile/picture/remove")
    assert accounts.find_by_username("ada").avatar_key is None
    assert not os.path.exists(images.image_path(user.id, second, "avatar"))
    assert "avatar-initials" in client.get("/u/ada").get_data(as_text=True)


def test_setup_page_after_verification_saves_and_can_be_skipped(client, make_user, login):
    login(make_user("ada"))
    page = client.get("/welcome").get_data(as_text=True)
    assert "Set up your profile" in page and "Skip for now" in page
    response = client.post(
        "/welcome", data={"bio": "Hello", "country": "NO", "about": ""}, content_type="multipart/form-data"
    )
    assert response.headers["Location"] == "/u/ada"
    assert accounts.find_by_username("ada").country == "NO"


def test_hostile_profile_text_is_escaped(client, make_user, login):
    login(make_user("ada"))
    edit(client, bio='<script>alert("x")</script>', about='"><img src=x onerror=alert(1)>')
    html = client.get("/u/ada").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_unknown_profile_is_404(client, make_user, login):
    login(make_user("ada"))
    assert client.get("/u/nobody").status_code == 404


def test_profiles_and_pictures_are_hidden_across_a_block(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    login(bob)
    edit_bob = client.post(
        "/settings/profile",
        data={"first_name": "Bob", "last_name": "B", "country": "", "picture": upload(picture_bytes())},
        content_type="multipart/form-data",
    )
    assert edit_bob.status_code == 302
    bob = accounts.find_by_username("bob")
    db.session.add(Block(blocker_id=bob.id, blocked_id=ada.id))
    db.session.commit()
    login(ada)
    assert client.get("/u/bob").status_code == 404
    assert client.get(f"/media/{bob.id}/{bob.avatar_key}/avatar.jpg").status_code == 404


def test_pictures_need_a_login(app, client, make_user):
    user = make_user("ada")
    assert client.get(f"/media/{user.id}/{'a' * 24}/avatar.jpg").status_code == 302
