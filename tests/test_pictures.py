"""Post pictures: stored at the widths pages show them at, upright, whole, without metadata; described by
their authors; shown with srcset, sizes and their own size; pictures stored before all that still shown."""

import io
import os
import re

import pytest
from PIL import Image, features
from werkzeug.datastructures import FileStorage

from socialapp.models import Post, PostImage
from socialapp.services import images, pictures, posts
from tests.support.htmx import HTMX
from tests.support.pictures import picture_bytes, upload


def files(data, name="p.png"):
    return FileStorage(io.BytesIO(data), name)


def stored_names(owner_id):
    folder = os.path.join(images.user_media_dir(owner_id), "img")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_picture_is_stored_at_each_width_below_its_own_and_at_its_own(app):
    key, width, height = images.store_widths(files(picture_bytes(size=(1000, 500))), 7, pictures.WIDTHS, 2048)
    assert (width, height) == (1000, 500)
    ext = images.SIZED_EXTENSION
    assert stored_names(7) == sorted(f"{key}-w{w}.{ext}" for w in (320, 480, 640, 800, 1000))
    for w in (320, 480, 640, 800, 1000):
        with Image.open(images.image_path(7, key, f"w{w}", ext)) as stored:
            assert stored.size == (w, w // 2)  # the ratio kept, nothing cropped


def test_sized_pictures_are_webp_where_pillow_writes_it(app):
    assert features.check("webp")  # this Pillow does; without it they would be JPEG
    assert images.SIZED_EXTENSION == "webp"
    key, width, _ = images.store_widths(files(picture_bytes("JPEG", size=(700, 400))), 7, pictures.WIDTHS, 2048)
    with Image.open(images.image_path(7, key, f"w{width}", "webp")) as stored:
        assert stored.format == "WEBP" and stored.mode == "RGB"


def test_a_small_picture_is_never_enlarged(app):
    key, width, height = images.store_widths(files(picture_bytes(size=(200, 150))), 7, pictures.WIDTHS, 2048)
    assert (width, height) == (200, 150)
    assert stored_names(7) == [f"{key}-w200.{images.SIZED_EXTENSION}"]


def test_a_huge_picture_is_kept_within_the_largest_size_either_way(app):
    _, width, height = images.store_widths(files(picture_bytes("JPEG", size=(3000, 6000))), 7, pictures.WIDTHS, 2048)
    assert (width, height) == (1024, 2048)


def test_orientation_is_applied_and_location_and_camera_are_stripped(app):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS position
    upright = Image.new("RGB", (800, 400), (255, 255, 255))
    upright.paste((255, 0, 0), (0, 0, 200, 200))  # red in the top-left corner as stored
    buffer = io.BytesIO()
    upright.save(buffer, "JPEG", exif=exif)
    key, width, height = images.store_widths(files(buffer.getvalue(), "photo.jpg"), 7, pictures.WIDTHS, 2048)
    assert (width, height) == (400, 800)  # turned upright, and stored as such
    for name in stored_names(7):
        path = os.path.join(images.user_media_dir(7), "img", name)
        with Image.open(path) as stored:
            assert not stored.getexif() and "exif" not in stored.info
            assert stored.width < stored.height
        with open(path, "rb") as fh:
            raw = fh.read()
        assert b"SpyCam" not in raw and b"Exif" not in raw
    with Image.open(images.image_path(7, key, "w400", images.SIZED_EXTENSION)) as full:
        red, green, _ = full.getpixel((350, 30))  # the red corner turned to the top right
        assert red > 200 and green < 80


def test_store_widths_keeps_the_decoding_limits(app):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    bomb = io.BytesIO()
    Image.new("1", (10000, 10000)).save(bomb, "PNG")
    with pytest.raises(images.ImageError, match="too large"):
        images.store_widths(files(bomb.getvalue()), 7, pictures.WIDTHS, 2048)
    assert stored_names(7) == []


def test_a_large_jpeg_is_decoded_no_larger_than_the_largest_size_needs(app):
    image = images._open_checked(picture_bytes("JPEG", size=(6000, 3000)), {"full": (2048, 2048, False)})
    assert image.size == (3000, 1500)  # libjpeg at 1/2: no full-size copy in memory


def test_delete_image_removes_every_width(app):
    key, _, _ = images.store_widths(files(picture_bytes(size=(900, 600))), 7, pictures.WIDTHS, 2048)
    other, _, _ = images.store_widths(files(picture_bytes(size=(300, 200))), 7, pictures.WIDTHS, 2048)
    images.delete_image(7, key)
    assert stored_names(7) == [f"{other}-w300.{images.SIZED_EXTENSION}"]


def test_width_height_and_descriptions_are_stored_with_the_post(alice):
    uploads = [files(picture_bytes(size=(600, 300))), files(picture_bytes(size=(100, 300)))]
    post = posts.create_post(alice, "two", uploads, ["  A red field\r\nat noon ", ""])
    first, second = posts.pictures_of(post.id)
    assert (first.width, first.height, first.alt_text) == (600, 300, "A red field\nat noon")
    assert (second.width, second.height, second.alt_text) == (100, 300, "")


def test_descriptions_go_with_their_pictures_whatever_was_left_empty(alice):
    post = posts.create_post(alice, "", [files(picture_bytes())], ["First", "for a picture not chosen"])
    assert [p.alt_text for p in posts.pictures_of(post.id)] == ["First"]


def test_a_description_too_long_is_refused_naming_the_picture_and_nothing_is_kept(client, login, alice, app):
    login(alice)
    long = "d" * (pictures.MAX_ALT_LENGTH + 1)

    def data():
        return {
            "body": "my text",
            "images": [upload(picture_bytes()), upload(picture_bytes())],
            "alt_text": ["ok", long],
        }

    response = client.post("/posts", data=data(), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The description of picture 2 can be at most 1,500 characters (it has 1,501)." in html
    assert "my text</textarea>" in html and f">{long}</textarea>" in html and ">ok</textarea>" in html
    assert "choose your pictures again" in html
    response = client.post("/posts", data=data(), content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#post-form-error"
    assert Post.query.count() == 0 and stored_names(alice.id) == []


def test_the_description_is_the_pictures_alt_text_and_is_edited_on_the_edit_page(client, login, alice):
    post = posts.create_post(alice, "sunset", [files(picture_bytes())], ["The sun over the sea"])
    picture = posts.pictures_of(post.id)[0]
    login(alice)
    assert 'alt="The sun over the sea"' in client.get(f"/p/{post.id}").get_data(as_text=True)
    form = client.get(f"/p/{post.id}/edit").get_data(as_text=True)
    assert "Description for people who cannot see picture 1" in form and ">The sun over the sea</textarea>" in form
    data = {"body": "sunset", f"alt_text_{picture.id}": "The sun setting over a calm sea"}
    assert client.post(f"/p/{post.id}/edit", data=data).status_code == 302
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert 'alt="The sun setting over a calm sea"' in html
    assert Post.query.one().edited_at is not None  # a changed description is an edit


def test_an_edited_description_too_long_is_refused_and_kept_in_the_form(client, login, alice):
    post = posts.create_post(alice, "sunset", [files(picture_bytes())], ["before"])
    picture = posts.pictures_of(post.id)[0]
    login(alice)
    long = "x" * (pictures.MAX_ALT_LENGTH + 5)
    response = client.post(f"/p/{post.id}/edit", data={"body": "sunset", f"alt_text_{picture.id}": long})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The description of picture 1 can be at most" in html and f">{long}</textarea>" in html
    assert posts.pictures_of(post.id)[0].alt_text == "before"


def test_a_picture_without_description_gets_a_neutral_alt(client, login, alice):
    post = posts.create_post(alice, "", [files(picture_bytes()), files(picture_bytes())], ["", "Described"])
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert 'alt="Picture 1 of 2, not described"' in html and 'alt="Described"' in html


def test_a_picture_is_shown_with_every_width_its_own_size_and_the_largest_as_link(client, login, alice):
    post = posts.create_post(alice, "", [files(picture_bytes(size=(3000, 1000)))])
    picture = PostImage.query.one()
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    ext = images.SIZED_EXTENSION
    base = f"/media/{alice.id}/{picture.key}"
    srcset = re.search(r'srcset="([^"]+)"', html).group(1)
    assert srcset.split(", ") == [f"{base}/w{w}.{ext} {w}w" for w in pictures.WIDTHS]
    assert 'width="2048" height="683"' in html
    assert f'href="{base}/w2048.{ext}"' in html
    assert 'sizes="(min-width: 842px) 560px, (min-width: 768px) min(calc(100vw - 282px), ' in html
    response = client.get(f"{base}/w320.{ext}")
    assert response.status_code == 200 and response.mimetype == f"image/{ext}"
    assert response.headers["Cache-Control"].startswith("private") or "private" in response.headers["Cache-Control"]


def test_a_wide_picture_in_a_tall_cell_asks_for_a_wider_file(client, login, alice):
    uploads = [files(picture_bytes(size=(3000, 1000))) for _ in range(3)]
    post = posts.create_post(alice, "", uploads)
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    sizes = re.findall(r'sizes="([^"]+)"', html)
    # The tall cell on the left is half the grid wide and 9/16 of it high: the picture covering it is drawn
    # 1.69 times the grid's width, but asks for no more than a whole-width picture would.
    assert sizes[0].startswith("(min-width: 842px) 560px, (min-width: 768px) calc(1.0 * (100vw - 282px))")
    assert sizes[1].startswith("(min-width: 842px) 472px")  # the short cells: 0.281 x 3 of the grid


def test_pictures_stored_before_sizes_existed_still_show_square(client, login, alice, db):
    post = Post(author_id=alice.id, body="old")
    db.session.add(post)
    db.session.flush()
    key = images.store_image(
        files(picture_bytes(size=(800, 600))), alice.id, {"large": (1600, 1600, False), "thumb": (400, 400, True)}
    )
    db.session.add(PostImage(post_id=post.id, key=key, position=0))
    db.session.commit()
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert f'src="/media/{alice.id}/{key}/thumb.jpg"' in html and 'width="400" height="400"' in html
    assert f'href="/media/{alice.id}/{key}/large.jpg"' in html and "srcset" not in html.split("post-images")[1]
    assert client.get(f"/media/{alice.id}/{key}/thumb.jpg").status_code == 200
    form = client.get(f"/p/{post.id}/edit").get_data(as_text=True)
    assert f"/media/{alice.id}/{key}/thumb.jpg" in form


def test_media_of_an_unknown_format_is_not_found(client, login, alice):
    login(alice)
    assert client.get(f"/media/{alice.id}/{'a' * 24}/w320.png").status_code == 404
    assert client.get(f"/media/{alice.id}/{'a' * 24}/w320.webp").status_code == 404
