"""Profile pages, editing every field, pictures, and who may see them."""

import os

import pytest

from socialapp.services import accounts, images, profiles
from tests.support.pictures import picture_bytes, upload

OPTIONAL_FIELDS = [name for name in profiles.EDITABLE if name not in profiles.REQUIRED]


def edit(client, **fields):
    data = {"first_name": "Ada", "last_name": "Lovelace", "country": ""}
    data.update(fields)
    return client.post("/settings/profile", data=data, content_type="multipart/form-data")


def reload(username="ada"):
    return accounts.find_by_username(username)


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
        linkedin="https://www.linkedin.com/in/ada",
        x="https://x.com/ada",
        facebook="https://facebook.com/ada",
        instagram="https://instagram.com/ada",
        youtube="https://youtube.com/@ada",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/u/ada"
    html = client.get("/u/ada").get_data(as_text=True)
    for text in (
        "Analyst",
        "First line\nSecond line",
        "12 St James&#39;s Square",
        "United Kingdom",
        "@ada",
        "Ada Lovelace",
    ):
        assert text in html
    for url in ("https://ada.example", "https://www.linkedin.com/in/ada", "https://youtube.com/@ada"):
        assert f'href="{url}" rel="me nofollow noopener noreferrer" target="_blank"' in html


def test_the_profile_shows_counts_and_the_joined_date(client, make_user, login):
    user = make_user("ada", followers_count=3, following_count=1)
    login(user)
    html = client.get("/u/ada").get_data(as_text=True)
    assert "<strong>3</strong> followers" in html and "<strong>1</strong> following" in html
    assert user.created_at.strftime("%B %Y") in html


@pytest.mark.parametrize("name", OPTIONAL_FIELDS)
def test_emptying_a_field_and_saving_clears_it(client, make_user, login, name):
    value = "GB" if name == "country" else "https://old.example" if name in profiles.LINK_FIELDS else "Old text"
    login(make_user("ada", **{name: value}))
    response = edit(client, **{name: "   "} if name != "country" else {})
    assert response.status_code == 302
    assert getattr(reload(), name) == ""
    assert value not in client.get("/u/ada").get_data(as_text=True)


def test_clear_field_empties_optional_fields_only(app, make_user):
    user = make_user("ada", bio="x", website="https://ada.example")
    profiles.clear_field(user, "bio")
    profiles.clear_field(user, "website")
    assert user.bio == "" and user.website == ""
    for name in ("first_name", "last_name", "password_hash"):
        with pytest.raises(profiles.ProfileError):
            profiles.clear_field(user, name)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": "javascript:alert(1)"}, "http:// or https://"),
        ({"github": "data:text/html,hi"}, "http:// or https://"),
        ({"linkedin": "https://"}, "http:// or https://"),
        ({"x": "ftp://files.example/ada"}, "http:// or https://"),
        ({"facebook": "//facebook.com/ada"}, "http:// or https://"),
        ({"instagram": "instagram.com/ada"}, "http:// or https://"),
        ({"youtube": "https://you tube.com"}, "http:// or https://"),
        ({"website": "https://ada.example:99999/"}, "http:// or https://"),
        ({"website": "https://ada.example/" + "a" * 300}, "at most 300"),
        ({"country": "XX"}, "Choose a country from the list."),
        ({"country": "GBR"}, "Choose a country from the list."),
        ({"bio": "x" * 161}, "at most 160"),
        ({"about": "x" * 2001}, "at most 2000"),
        ({"first_name": "x" * 51}, "at most 50"),
        ({"first_name": ""}, "This field is required."),
        ({"last_name": "  "}, "This field is required."),
    ],
)
def test_bad_fields_get_a_clear_message_and_keep_what_was_typed(client, make_user, login, fields, message):
    login(make_user("ada", bio="Kept"))
    response = edit(client, address="Typed address", **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Typed address"' in html
    assert reload().address == "" and reload().bio == "Kept"  # nothing half-saved


def test_good_links_are_kept_as_typed(app, make_user):
    user = make_user("ada")
    profiles.update_profile(user, website="  HTTPS://Ada.example/notes?page=2#top ", github="http://github.com/ada")
    assert user.website == "HTTPS://Ada.example/notes?page=2#top"
    assert user.github == "http://github.com/ada"


def test_text_is_trimmed_and_control_characters_dropped(app, make_user):
    user = make_user("ada")
    profiles.update_profile(user, bio="  Poet\x00 of\nscience ", about="one\r\ntwo\x07\n", address="\tLondon ")
    assert user.bio == "Poet of science"
    assert user.about == "one\ntwo"
    assert user.address == "London"


def test_country_codes_are_checked_against_the_real_list(app, make_user):
    user = make_user("ada")
    profiles.update_profile(user, country="no")
    assert user.country == "NO"
    assert profiles.country_name("NO") == "Norway"
    assert profiles.country_name("") == "" and profiles.country_name("XX") == ""
    choices = profiles.country_choices()
    names = [name for _, name in choices]
    assert names == sorted(names) and ("GB", "United Kingdom") in choices and len(choices) > 240


def test_upload_a_picture_and_see_it_as_the_avatar(client, make_user, login):
    login(make_user("ada"))
    response = edit(client, picture=upload(picture_bytes("PNG", size=(600, 400))))
    assert response.status_code == 302
    user = reload()
    assert user.avatar_key
    html = client.get("/u/ada").get_data(as_text=True)
    src = f"/media/{user.id}/{user.avatar_key}/avatar.jpg"
    assert f'src="{src}" alt="Ada Lovelace"' in html
    picture = client.get(src)
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert picture.data[:3] == b"\xff\xd8\xff"


def test_without_a_picture_the_avatar_is_initials_on_a_colour(client, make_user, login):
    login(make_user("ada", first_name="Ada", last_name="Lovelace"))
    html = client.get("/u/ada").get_data(as_text=True)
    assert 'role="img" aria-label="Ada Lovelace">AL</span>' in html


def test_a_bad_upload_is_refused_and_the_rest_of_the_form_is_kept(client, make_user, login):
    login(make_user("ada"))
    response = edit(client, bio="My typed bio", about="Typed about", picture=upload(b"not an image", "cat.jpg"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="picture-error">That file is not a picture we can read.' in html
    assert 'value="My typed bio"' in html and "Typed about</textarea>" in html
    user = reload()
    assert user.avatar_key is None and user.bio == ""  # all or nothing


def test_an_oversized_upload_is_refused_with_the_limit(client, make_user, login, app):
    app.config["MAX_IMAGE_BYTES"] = 2 * 1024 * 1024
    login(make_user("ada"))
    response = edit(client, bio="Still here", picture=upload(os.urandom(2 * 1024 * 1024 + 1)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Pictures must be under 2 MB." in html and 'value="Still here"' in html


def test_a_bad_field_with_a_good_picture_stores_no_picture(client, make_user, login):
    user = make_user("ada")
    login(user)
    response = edit(client, website="javascript:alert(1)", picture=upload(picture_bytes()))
    assert response.status_code == 422
    assert reload().avatar_key is None
    assert not os.listdir(os.path.join(images.user_media_dir(user.id), "img"))


def test_a_bad_field_and_a_bad_picture_are_both_reported(client, make_user, login):
    login(make_user("ada"))
    response = edit(client, country="XX", picture=upload(picture_bytes("BMP"), "x.bmp"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a country from the list." in html and "Pictures must be JPEG, PNG, GIF or WebP." in html


def test_replacing_and_removing_the_picture_deletes_old_files(client, make_user, login):
    user = make_user("ada")
    login(user)
    edit(client, picture=upload(picture_bytes()))
    first = reload().avatar_key
    edit(client, picture=upload(picture_bytes(color=(0, 0, 255))))
    second = reload().avatar_key
    assert first != second
    assert not os.path.exists(images.image_path(user.id, first, "avatar"))
    assert os.path.exists(images.image_path(user.id, second, "thumb"))
    assert "Remove picture" in client.get("/settings/profile").get_data(as_text=True)
    response = client.post("/settings/profile/picture/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/settings/profile"
    assert reload().avatar_key is None
    assert not os.path.exists(images.image_path(user.id, second, "avatar"))
    assert not os.path.exists(images.image_path(user.id, second, "thumb"))
    assert "avatar-initials" in client.get("/u/ada").get_data(as_text=True)
    assert "Remove picture" not in client.get("/settings/profile").get_data(as_text=True)


def test_saving_without_choosing_a_picture_keeps_the_current_one(client, make_user, login):
    login(make_user("ada"))
    edit(client, picture=upload(picture_bytes()))
    key = reload().avatar_key
    response = edit(client, bio="New", picture=upload(b"", ""))
    assert response.status_code == 302
    assert reload().avatar_key == key and reload().bio == "New"


def test_the_edit_form_starts_filled_with_the_profile(client, make_user, login):
    login(make_user("ada", bio="Mathematician", country="GB", about="Notes", website="https://ada.example"))
    html = client.get("/settings/profile").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'value="Mathematician"' in html and 'value="https://ada.example"' in html
    assert '<option selected value="GB">United Kingdom</option>' in html
    assert '<label for="picture">Profile picture</label>' in html


def test_setup_page_after_verification_saves_and_can_be_skipped(client, make_user, login):
    login(make_user("ada"))
    page = client.get("/welcome").get_data(as_text=True)
    assert "Set up your profile" in page and '<a href="/">Skip for now</a>' in page
    assert 'for="picture"' in page and 'for="bio"' in page and 'for="about"' in page and 'for="country"' in page
    assert 'for="first_name"' not in page
    response = client.post(
        "/welcome",
        data={"bio": "Hello", "country": "NO", "about": "", "picture": upload(picture_bytes())},
        content_type="multipart/form-data",
    )
    assert response.headers["Location"] == "/u/ada"
    user = reload()
    assert user.country == "NO" and user.bio == "Hello" and user.avatar_key
    assert user.first_name == "Ada"  # fields the page does not show are left alone


def test_setup_page_keeps_what_was_typed_on_errors(client, make_user, login):
    login(make_user("ada"))
    response = client.post(
        "/welcome",
        data={"bio": "b" * 161, "country": "NO", "about": "Typed"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Typed</textarea>" in response.get_data(as_text=True)


def test_hostile_profile_text_is_escaped(client, make_user, login):
    login(make_user("ada"))
    response = edit(
        client,
        first_name="<b>Ada</b>",
        bio='<script>alert("x")</script>',
        about='"><img src=x onerror=alert(1)>',
        address="<iframe src=//evil.example>",
        website='https://ada.example/"><script>alert(2)</script>',
    )
    assert response.status_code == 302
    html = client.get("/u/ada").get_data(as_text=True)
    for raw in ("<script>alert", "<img src=x", "<iframe", "<b>Ada</b>", '"><script'):
        assert raw not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("path", ["/u/ada", "/welcome", "/settings/profile"])
def test_profile_pages_need_a_login(client, make_user, path):
    make_user("ada")
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_removing_a_picture_needs_a_login(client, make_user):
    make_user("ada")
    response = client.post("/settings/profile/picture/remove")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_profile_is_404(client, make_user, login):
    login(make_user("ada"))
    assert client.get("/u/nobody").status_code == 404


def test_usernames_in_profile_urls_ignore_case(client, make_user, login):
    login(make_user("ada"))
    assert client.get("/u/ADA").status_code == 200


@pytest.fixture
def bob_with_picture(client, make_user, login):
    bob = make_user("bob")
    login(bob)
    assert edit(client, first_name="Bob", last_name="B", picture=upload(picture_bytes())).status_code == 302
    return reload("bob")


@pytest.mark.parametrize("direction", ["viewer_blocks", "viewer_is_blocked"])
def test_profiles_and_pictures_are_hidden_across_a_block(
    client, db, make_user, login, bob_with_picture, direction, block
):
    bob, ada = bob_with_picture, make_user("ada")
    src = f"/media/{bob.id}/{bob.avatar_key}/avatar.jpg"
    login(ada)
    assert client.get("/u/bob").status_code == 200 and client.get(src).status_code == 200
    block(*((ada, bob) if direction == "viewer_blocks" else (bob, ada)))
    assert client.get("/u/bob").status_code == 404
    assert client.get(src).status_code == 404
    assert client.get(f"/media/{bob.id}/{bob.avatar_key}/thumb.jpg").status_code == 404


def test_pictures_are_cached_only_by_the_viewers_browser(client, make_user, login, bob_with_picture):
    login(make_user("ada"))
    response = client.get(f"/media/{bob_with_picture.id}/{bob_with_picture.avatar_key}/thumb.jpg")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.private and not cache.public and cache.max_age >= 30 * 24 * 3600 and cache.immutable


def test_behind_nginx_the_app_checks_access_and_nginx_sends_the_picture(
    app, client, make_user, login, bob_with_picture, block
):
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_media/"
    bob, ada = bob_with_picture, make_user("ada")
    login(ada)
    response = client.get(f"/media/{bob.id}/{bob.avatar_key}/thumb.jpg")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_media/u/{bob.id}/img/{bob.avatar_key}-thumb.jpg"
    assert response.mimetype == "image/jpeg" and response.cache_control.private
    block(bob, ada)
    blocked = client.get(f"/media/{bob.id}/{bob.avatar_key}/thumb.jpg")
    assert blocked.status_code == 404 and "X-Accel-Redirect" not in blocked.headers


def test_without_nginx_the_app_sends_the_picture_itself(client, make_user, login, bob_with_picture):
    login(make_user("ada"))
    response = client.get(f"/media/{bob_with_picture.id}/{bob_with_picture.avatar_key}/thumb.jpg")
    assert response.status_code == 200 and response.data.startswith(b"\xff\xd8")
    assert "X-Accel-Redirect" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/media/{id}/{key}/huge.jpg",  # no such variant
        "/media/{id}/{key}/Avatar.jpg",
        "/media/{id}/{key}x/avatar.jpg",  # no such key
        "/media/{id}/..%2F..%2Fsecret/avatar.jpg",
        "/media/{id}/{key}/..%2Favatar.jpg",
        "/media/999999/{key}/avatar.jpg",  # someone else's folder
    ],
)
def test_bad_or_missing_media_references_are_404(client, make_user, login, bob_with_picture, path):
    login(make_user("ada"))
    response = client.get(path.format(id=bob_with_picture.id, key=bob_with_picture.avatar_key))
    assert response.status_code == 404


def test_pictures_need_a_login(client, make_user, bob_with_picture):
    with client.session_transaction() as session:
        session.clear()
    response = client.get(f"/media/{bob_with_picture.id}/{bob_with_picture.avatar_key}/avatar.jpg")
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/settings/profile", "/welcome"])
def test_a_profile_saved_through_htmx_is_told_to_load_the_profile_page(client, make_user, login, path):
    from tests.support.htmx import HTMX

    login(make_user("ada"))
    data = {"first_name": "Ada", "last_name": "Lovelace", "bio": "Sent by htmx", "country": ""}
    data["picture"] = upload(picture_bytes("PNG"), "me.png")
    response = client.post(path, data=data, content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/u/ada"
    assert reload().bio == "Sent by htmx" and reload().avatar_key
    assert "Your profile is saved." in client.get("/u/ada").get_data(as_text=True)


def test_the_profile_form_is_sent_by_htmx_with_its_picture_and_without_it_by_the_browser(client, make_user, login):
    login(make_user("ada"))
    html = client.get("/settings/profile").get_data(as_text=True)
    form = html.split('<form method="post" action="/settings/profile"')[1].split(">")[0]
    assert 'hx-post="/settings/profile"' in form and 'enctype="multipart/form-data"' in form
    assert 'hx-select="#profile-form"' in form
