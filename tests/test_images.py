"""The picture pipeline: only real images of allowed kinds and sizes, stored without metadata."""

import io
import os

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from socialapp.services import images
from tests.support.pictures import picture_bytes

VARIANTS = {"avatar": (256, 256, True), "large": (800, 800, False)}


def storage(data, name="x.png"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_allowed_formats_are_stored_as_jpeg_variants(app, fmt):
    key = images.store_image(storage(picture_bytes(fmt, size=(1000, 500))), 7, VARIANTS)
    with Image.open(images.image_path(7, key, "avatar")) as avatar:
        assert avatar.format == "JPEG" and avatar.size == (256, 256)
    with Image.open(images.image_path(7, key, "large")) as large:
        assert large.size == (800, 400)


def test_exif_is_stripped_and_orientation_applied(app):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS position
    data = picture_bytes("JPEG", size=(400, 200), exif=exif)
    key = images.store_image(storage(data, "photo.jpg"), 7, {"large": (1000, 1000, False)})
    path = images.image_path(7, key, "large")
    with Image.open(path) as stored:
        assert stored.size == (200, 400)  # rotated upright
        assert len(stored.getexif()) == 0
    with open(path, "rb") as fh:
        raw = fh.read()
    assert b"SpyCam" not in raw and b"Exif" not in raw


def test_a_text_file_named_like_a_picture_is_refused(app):
    with pytest.raises(images.ImageError, match="not a picture we can read"):
        images.store_image(storage(b"<?php echo 'hi'; ?>", "evil.jpg"), 7, VARIANTS)


def test_other_image_formats_are_refused(app):
    with pytest.raises(images.ImageError, match="JPEG, PNG, GIF or WebP"):
        images.store_image(storage(picture_bytes("BMP"), "x.bmp"), 7, VARIANTS)


def test_files_over_the_size_limit_are_refused(app):
    app.config["MAX_IMAGE_BYTES"] = 1024 * 1024
    big = os.urandom(1024 * 1024 + 10)
    with pytest.raises(images.ImageError, match="under 1 MB"):
        images.store_image(storage(big), 7, VARIANTS)


def test_decompression_bombs_are_refused_before_decoding(app):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, "PNG")  # tiny file, 25 million pixels
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(images.ImageError, match="too large"):
        images.store_image(storage(bomb.getvalue()), 7, VARIANTS)


def test_a_truncated_picture_is_refused(app):
    data = picture_bytes("PNG", size=(500, 500))
    with pytest.raises(images.ImageError):
        images.store_image(storage(data[: len(data) // 3]), 7, VARIANTS)


def test_delete_image_removes_every_variant(app):
    key = images.store_image(storage(picture_bytes()), 7, VARIANTS)
    images.delete_image(7, key)
    assert not os.path.exists(images.image_path(7, key, "avatar"))
    assert not os.path.exists(images.image_path(7, key, "large"))


@pytest.mark.parametrize(("key", "variant"), [("../../etc/passwd", "avatar"), ("a" * 24, "../x"), ("short", "avatar")])
def test_image_references_cannot_escape_the_media_folder(app, key, variant):
    with pytest.raises(ValueError):
        images.image_path(7, key, variant)
