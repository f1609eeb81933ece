"""The picture pipeline: only real images of allowed kinds and sizes, stored without metadata."""

import io
import os
import struct
import threading
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from socialapp.services import images
from tests.support.pictures import picture_bytes

VARIANTS = {"avatar": (256, 256, True), "large": (800, 800, False)}


def storage(data, name="x.png"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def png_header_only(width, height):
    """A valid PNG signature and header claiming these dimensions, with no pixel data to speak of."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def stored_files(owner_id):
    folder = os.path.join(images.user_media_dir(owner_id), "img")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_allowed_formats_are_stored_as_jpeg_variants(app, fmt):
    key = images.store_image(storage(picture_bytes(fmt, size=(1000, 500))), 7, VARIANTS)
    with Image.open(images.image_path(7, key, "avatar")) as avatar:
        assert avatar.format == "JPEG" and avatar.size == (256, 256) and avatar.mode == "RGB"
    with Image.open(images.image_path(7, key, "large")) as large:
        assert large.size == (800, 400)


def test_keys_are_random_and_url_safe(app):
    keys = {images.store_image(storage(picture_bytes()), 7, {"thumb": (64, 64, True)}) for _ in range(3)}
    assert len(keys) == 3
    assert all(images.is_valid_reference(key, "thumb") for key in keys)


def test_a_plain_file_object_is_accepted(app):
    key = images.store_image(io.BytesIO(picture_bytes()), 7, {"thumb": (64, 64, True)})
    assert os.path.isfile(images.image_path(7, key, "thumb"))


def test_square_variants_are_cropped_from_the_centre(app):
    wide = Image.new("RGB", (300, 100), (255, 0, 0))
    wide.paste((0, 0, 255), (100, 0, 200, 100))  # a blue square in the middle of red
    buffer = io.BytesIO()
    wide.save(buffer, "PNG")
    key = images.store_image(storage(buffer.getvalue()), 7, {"avatar": (64, 64, True)})
    with Image.open(images.image_path(7, key, "avatar")) as avatar:
        for corner in ((2, 2), (61, 2), (2, 61), (61, 61)):
            red, _, blue = avatar.getpixel(corner)
            assert blue > 200 and red < 50


def test_small_pictures_are_not_enlarged_in_bounded_variants(app):
    key = images.store_image(storage(picture_bytes(size=(120, 90))), 7, {"large": (800, 800, False)})
    with Image.open(images.image_path(7, key, "large")) as large:
        assert large.size == (120, 90)


def test_exif_is_stripped_and_orientation_applied(app):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS position
    upright = Image.new("RGB", (400, 200), (255, 255, 255))
    upright.paste((255, 0, 0), (0, 0, 100, 100))  # red in the top-left corner as stored
    buffer = io.BytesIO()
    upright.save(buffer, "JPEG", exif=exif)
    key = images.store_image(storage(buffer.getvalue(), "photo.jpg"), 7, {"large": (1000, 1000, False)})
    path = images.image_path(7, key, "large")
    with Image.open(path) as stored:
        assert stored.size == (200, 400)  # rotated upright
        assert stored.getpixel((150, 20))[1] < 80  # the red corner turned to the top right
        assert stored.getpixel((20, 20)) > (200, 200, 200)
        assert len(stored.getexif()) == 0 and "exif" not in stored.info
    with open(path, "rb") as fh:
        raw = fh.read()
    assert b"SpyCam" not in raw and b"Exif" not in raw


def test_transparent_parts_become_white(app):
    clear = Image.new("RGBA", (50, 50), (255, 0, 0, 0))
    buffer = io.BytesIO()
    clear.save(buffer, "PNG")
    key = images.store_image(storage(buffer.getvalue()), 7, {"large": (800, 800, False)})
    with Image.open(images.image_path(7, key, "large")) as stored:
        assert stored.getpixel((25, 25)) > (240, 240, 240)


def test_sixteen_bit_greyscale_is_kept_grey(app):
    grey = Image.new("I;16", (40, 40), 32768)
    buffer = io.BytesIO()
    grey.save(buffer, "PNG")
    key = images.store_image(storage(buffer.getvalue()), 7, {"large": (800, 800, False)})
    with Image.open(images.image_path(7, key, "large")) as stored:
        assert 100 < stored.getpixel((20, 20))[0] < 160


def test_a_text_file_named_like_a_picture_is_refused(app):
    with pytest.raises(images.ImageError, match="That file is not a picture we can read."):
        images.store_image(storage(b"<?php echo 'hi'; ?>", "evil.jpg"), 7, VARIANTS)
    assert stored_files(7) == []


def test_an_empty_file_is_refused(app):
    with pytest.raises(images.ImageError, match="empty"):
        images.store_image(storage(b""), 7, VARIANTS)


def test_other_image_formats_are_refused(app):
    for fmt in ("BMP", "TIFF"):
        with pytest.raises(images.ImageError, match="Pictures must be JPEG, PNG, GIF or WebP."):
            images.store_image(storage(picture_bytes(fmt), "x.png"), 7, VARIANTS)


def test_files_over_the_size_limit_are_refused(app):
    app.config["MAX_IMAGE_BYTES"] = 1024 * 1024
    big = os.urandom(1024 * 1024 + 10)
    with pytest.raises(images.ImageError, match="Pictures must be under 1 MB."):
        images.store_image(storage(big), 7, VARIANTS)


def test_a_real_decompression_bomb_is_refused_before_decoding(app):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    bomb = io.BytesIO()
    Image.new("1", (10000, 10000)).save(bomb, "PNG")  # a small file, 100 million pixels
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(images.ImageError, match=r"That picture is too large \(100,000,000 pixels"):
        images.store_image(storage(bomb.getvalue()), 7, VARIANTS)
    assert stored_files(7) == []


def test_a_header_claiming_huge_dimensions_is_refused(app):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    with pytest.raises(images.ImageError, match="That picture is too large"):
        images.store_image(storage(png_header_only(3000, 3000)), 7, VARIANTS)


def test_pillows_own_bomb_error_reads_as_too_large(app):
    app.config["MAX_IMAGE_PIXELS"] = 10**12
    # 400 million pixels: Pillow itself refuses to open it, before our check can run.
    with pytest.raises(images.ImageError, match="That picture is too large"):
        images.store_image(storage(png_header_only(20000, 20000)), 7, VARIANTS)


def test_pillows_bomb_warning_reads_as_too_large(app, monkeypatch):
    app.config["MAX_IMAGE_PIXELS"] = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(images.ImageError, match="That picture is too large"):
        images.store_image(storage(picture_bytes(size=(200, 200))), 7, VARIANTS)


def test_a_truncated_picture_is_refused(app):
    data = picture_bytes("PNG", size=(500, 500))
    with pytest.raises(images.ImageError, match="not a picture we can read"):
        images.store_image(storage(data[: len(data) // 3]), 7, VARIANTS)


def test_a_failed_store_leaves_no_files_behind(app):
    with pytest.raises(ValueError):
        images.store_image(storage(picture_bytes()), 7, {"good": (64, 64, True), "Bad-Name": (64, 64, True)})
    assert stored_files(7) == []


def test_delete_image_removes_every_variant_and_nothing_else(app):
    key = images.store_image(storage(picture_bytes()), 7, VARIANTS)
    other = images.store_image(storage(picture_bytes()), 7, VARIANTS)
    images.delete_image(7, key)
    assert not os.path.exists(images.image_path(7, key, "avatar"))
    assert not os.path.exists(images.image_path(7, key, "large"))
    assert stored_files(7) == sorted([f"{other}-avatar.jpg", f"{other}-large.jpg"])
    images.delete_image(7, key)  # already gone: no error
    images.delete_image(8, key)  # no folder at all: no error


@pytest.mark.parametrize(
    ("key", "variant"),
    [("../../etc/passwd", "avatar"), ("a" * 24, "../x"), ("short", "avatar"), ("a" * 24, "Avatar"), ("a/" * 12, "x")],
)
def test_image_references_cannot_escape_the_media_folder(app, key, variant):
    assert not images.is_valid_reference(key, variant)
    with pytest.raises(ValueError):
        images.image_path(7, key, variant)


def test_image_path_is_absolute_and_under_the_owners_folder(app):
    path = images.image_path(7, "a" * 24, "thumb")
    assert os.path.isabs(path)
    assert path.startswith(os.path.abspath(images.user_media_dir(7)) + os.sep)


def test_phone_pictures_in_mpo_are_stored_from_their_first_frame(app):
    first, second = Image.new("RGB", (300, 200), (220, 20, 20)), Image.new("RGB", (300, 200), (20, 20, 220))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(buffer.getvalue())) as opened:
        assert opened.format == "MPO" and opened.n_frames == 2
    key = images.store_image(storage(buffer.getvalue(), "phone.jpg"), 7, VARIANTS)
    with Image.open(images.image_path(7, key, "large")) as stored:
        red, _, blue = stored.getpixel((150, 100))
        assert stored.size == (300, 200) and red > 200 and blue < 50


@pytest.mark.parametrize(("fmt", "decoded"), [("JPEG", (1000, 750)), ("PNG", (800, 600))])
def test_a_large_picture_is_decoded_no_larger_than_its_variants_need(app, fmt, decoded):
    # JPEG by libjpeg's scaling while decoding (a power of two), the others by a whole factor after.
    image = images._open_checked(picture_bytes(fmt, size=(4000, 3000)), {"large": (800, 800, False)})
    assert image.size == decoded


def test_a_shrunk_picture_is_still_turned_upright(app):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    key = images.store_image(storage(picture_bytes("JPEG", size=(4000, 2000), exif=exif)), 7, VARIANTS)
    with Image.open(images.image_path(7, key, "large")) as large:
        assert large.size == (400, 800)


def test_formats_that_take_more_memory_to_decode_have_a_lower_pixel_limit(app):
    app.config.update(MAX_IMAGE_PIXELS=1_000_000, IMAGE_DECODE_BYTES=8_000_000)  # JPEG: 8 bytes a pixel
    assert images.store_image(storage(picture_bytes("JPEG", size=(800, 800))), 7, VARIANTS)
    limit = 8_000_000 // images.DECODE_BYTES_PER_PIXEL["WEBP"]
    with pytest.raises(images.ImageError, match=f"640,000 pixels; the limit is {limit:,}"):
        images.store_image(storage(picture_bytes("WEBP", size=(800, 800))), 7, VARIANTS)


def test_a_process_decodes_at_most_its_slots_of_pictures_at_once(app, monkeypatch):
    app.config.update(IMAGE_DECODE_SLOTS=2, IMAGE_DECODE_WAIT=10)
    decoding, release = threading.Semaphore(0), threading.Event()
    real_decode = images._decode_for

    def decode(image, variants):
        decoding.release()  # one more upload is decoding
        assert release.wait(10)
        return real_decode(image, variants)

    monkeypatch.setattr(images, "_decode_for", decode)
    stored = []

    def upload():
        with app.app_context():
            stored.append(images.store_image(storage(picture_bytes()), 7, VARIANTS))

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert decoding.acquire(timeout=10) and decoding.acquire(timeout=10)
    app.config["IMAGE_DECODE_WAIT"] = 0.01
    with pytest.raises(images.ImageError, match="try again"):  # a third finds both slots taken
        images.store_image(storage(picture_bytes()), 7, VARIANTS)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(stored) == 2


def test_an_upload_that_waits_too_long_for_a_slot_is_refused_with_try_again(app):
    app.config.update(IMAGE_DECODE_SLOTS=1, IMAGE_DECODE_WAIT=0.05)
    refused = []

    def upload():
        with app.app_context():
            try:
                images.store_image(storage(picture_bytes()), 7, VARIANTS)
            except images.ImageError as error:
                refused.append(error.message)

    with images._decoding_slot():  # the only slot is busy
        thread = threading.Thread(target=upload)
        thread.start()
        thread.join(10)
    assert refused == [images.BUSY]
    assert stored_files(7) == []
