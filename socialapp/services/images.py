"""Uploaded pictures: checked with Pillow, stripped of metadata, resized, stored as JPEG or WebP.

Every upload is decoded and re-encoded, so nothing the uploader put in the file (EXIF with GPS
positions, comments, scripts disguised as images) survives. Profile pictures are stored through
`store_image` (named variants, JPEG); post pictures through `store_widths` (one file for each width a
page may show, in WebP where Pillow can write it, never larger than the original).

Decoding is what costs memory (up to 4 bytes a pixel, and a copy when a picture with transparency is
flattened), so it is bounded three ways: a pixel limit read from the header before any pixel is
decoded; a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when the variants need no more (libjpeg
scales while decoding), and every picture is shrunk once, right after decoding, to the size the
largest variant needs, so no other full-size copy is made; and a process decodes at most
IMAGE_DECODE_SLOTS pictures at once, the others waiting their turn. docs/benchmarks.md has figures.
"""

import contextlib
import io
import math
import os
import re
import secrets
import threading
import warnings

from flask import current_app
from PIL import Image, ImageOps, features

from socialapp.services import storage
from socialapp.services.accounts import user_media_dir

# MPO is JPEG with more pictures after the first (phone cameras write it); the first is the photo.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "WEBP"}
JPEG_FORMATS = {"JPEG", "MPO"}
# Modes whose pixels reduce() can average; palette and 1-bit ones must become colours first.
REDUCIBLE_MODES = {"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"}
# The most memory decoding and shrinking one picture takes, in bytes a pixel, in its costliest mode
# (Pillow 13, measured with bench/images_bench.py): WebP's decoder holds the picture three times over,
# progressive JPEG keeps every coefficient (baseline JPEG, which phones write, takes far less: it is
# decoded at a fraction of its size), palette PNG and GIF become colours before they shrink.
DECODE_BYTES_PER_PIXEL = {"JPEG": 8, "MPO": 8, "PNG": 12, "GIF": 10, "WEBP": 17}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
VARIANT_RE = re.compile(r"^[a-z][a-z0-9]{0,15}$")
JPEG_QUALITY = 85
WEBP_QUALITY = 80
# File extension -> (Pillow format, media type) of what is stored.
EXTENSIONS = {"jpg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
# Post pictures are WebP (smaller than JPEG for the same look) when this Pillow writes it. It is
# decided once for the deployment: pages name the files with this extension.
SIZED_EXTENSION = "webp" if features.check("webp") else "jpg"
UNREADABLE = "That file is not a picture we can read."
WRONG_FORMAT = "Pictures must be JPEG, PNG, GIF or WebP."
BUSY = "Many pictures are being uploaded right now. Please try again in a moment."


class ImageError(ValueError):
    """The upload is not a picture we accept; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _read_limited(upload):
    """The upload's bytes, reading at most one byte past the limit so a huge file costs nothing."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    stream = getattr(upload, "stream", upload)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageError(f"Pictures must be under {max(1, round(limit / (1024 * 1024)))} MB.")
    if not data:
        raise ImageError("That file is empty.")
    return data


def _max_pixels(fmt=None):
    """The pixel limit for pictures of format `fmt`: ours, lower for formats that take more memory to
    decode than IMAGE_DECODE_BYTES allows at that size, or Pillow's own bomb limit if that is lower."""
    config = current_app.config
    limit = config["MAX_IMAGE_PIXELS"]
    if fmt in DECODE_BYTES_PER_PIXEL:
        limit = min(limit, config["IMAGE_DECODE_BYTES"] // DECODE_BYTES_PER_PIXEL[fmt])
    return min(limit, Image.MAX_IMAGE_PIXELS) if Image.MAX_IMAGE_PIXELS else limit


def _open_checked(data, variants):
    """Open and fully check the image, refusing huge dimensions before any pixel is decoded; decode its
    first frame no larger than `variants` need."""
    limit = _max_pixels()
    try:
        # Pillow warns from Image.open above its own limit; the check below enforces that limit too.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ImageError(WRONG_FORMAT)
                width, height = probe.size
                limit = _max_pixels(probe.format)
                if width * height > limit:
                    raise ImageError(f"That picture is too large ({width * height:,} pixels; the limit is {limit:,}).")
                probe.verify()
            image = _decode_for(Image.open(io.BytesIO(data)), variants)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses the largest images itself, before their size can be read.
        raise ImageError(f"That picture is too large (over {limit:,} pixels).") from None
    except Exception:
        # Pillow's decoders raise many kinds of errors on malformed input; all mean the same to the user.
        raise ImageError(UNREADABLE) from None
    return image


def _working_size(size, variants):
    """The smallest size of a picture of `size` that still gives every variant whole, either way up
    (its EXIF orientation may turn it)."""
    width, height = size
    scale = 0.0
    for max_w, max_h, square in variants.values():
        fit = max if square else min  # a square crop must cover the square; a bounded one fit in its box
        scale = max(scale, fit(max_w / width, max_h / height), fit(max_w / height, max_h / width))
    scale = min(1.0, scale)
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _decode_for(image, variants):
    """Decode `image` (opened, not loaded) at no more than the size `variants` need, by a whole factor."""
    need = _working_size(image.size, variants)
    if image.format in JPEG_FORMATS:
        image.draft(None, need)
    image.load()
    factor = min(image.width // need[0], image.height // need[1])
    if factor < 2:
        return image
    info = image.info  # EXIF orientation, for exif_transpose
    if image.mode not in REDUCIBLE_MODES:
        image = _to_rgb(image)
    image = image.reduce(factor)
    image.info = info
    return image


def _to_rgb(image):
    """JPEG has no transparency: transparent parts become white rather than black."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float greyscale would clip to white when converted straight to RGB.
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _variant(image, max_w, max_h, square):
    if square:
        return ImageOps.fit(image, (max_w, max_h), Image.Resampling.LANCZOS)
    if image.width <= max_w and image.height <= max_h:
        return image  # never enlarged
    return ImageOps.contain(image, (max_w, max_h), Image.Resampling.LANCZOS)


_slots = {}
_slots_lock = threading.Lock()


@contextlib.contextmanager
def _decoding_slot():
    """One of the process's IMAGE_DECODE_SLOTS for decoding a picture, waited for up to IMAGE_DECODE_WAIT
    seconds (ImageError after that): however many requests upload at once, only that many pictures are
    in memory decoded."""
    config = current_app.config
    with _slots_lock:
        slots = _slots.setdefault(
            config["IMAGE_DECODE_SLOTS"], threading.BoundedSemaphore(config["IMAGE_DECODE_SLOTS"])
        )
    if not slots.acquire(timeout=config["IMAGE_DECODE_WAIT"]):
        raise ImageError(BUSY)
    try:
        yield
    finally:
        slots.release()


def _save(image, key, extension="jpg"):
    """Encode `image` and store it under the media key `key`."""
    # A fresh image has an empty `info`, so no EXIF, ICC profile or comment can ride along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    encoded = io.BytesIO()
    if EXTENSIONS[extension][0] == "WEBP":
        clean.save(encoded, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        clean.save(encoded, "JPEG", quality=JPEG_QUALITY, optimize=True)
    storage.media().save(key, encoded.getvalue(), EXTENSIONS[extension][1])


def store_image(upload, owner_id, variants):
    """Check an upload and store it in each of `variants`; return its key.

    `upload` is a FileStorage or anything with `.stream` or `.read`; `variants` maps a name to
    (max_w, max_h, square). Square variants are centre-cropped. Raises ImageError for anything
    that is not a readable JPEG, PNG, GIF or WebP within the size and pixel limits.
    """
    for name in variants:
        if not VARIANT_RE.match(name):
            raise ValueError(f"bad variant name {name!r}")
    key = secrets.token_urlsafe(18)
    with _decoding_slot():
        image = _open_checked(_read_limited(upload), variants)
        ImageOps.exif_transpose(image, in_place=True)
        image = _to_rgb(image)
        try:
            for name, (max_w, max_h, square) in variants.items():
                _save(_variant(image, max_w, max_h, square), media_key(owner_id, key, name))
        except BaseException:
            delete_image(owner_id, key)
            raise
    return key


def sized_widths(width, widths):
    """The widths a picture stored `width` pixels wide has files for: each of `widths` below its own
    width, then its own (so a picture is never enlarged)."""
    return [w for w in sorted(widths) if w < width] + [width]


def store_widths(upload, owner_id, widths, max_side):
    """Check an upload and store it upright, whole, within `max_side` pixels either way, at each of
    `widths` smaller than that and at that size; return (key, width, height) of the largest file.

    Files are named `<key>-w<width>.<SIZED_EXTENSION>`. Raises ImageError as store_image does.
    """
    key = secrets.token_urlsafe(18)
    with _decoding_slot():
        image = _open_checked(_read_limited(upload), {"full": (max_side, max_side, False)})
        ImageOps.exif_transpose(image, in_place=True)
        full = _variant(_to_rgb(image), max_side, max_side, False)
        del image
        try:
            for width in sized_widths(full.width, widths):
                height = max(1, round(full.height * width / full.width))
                sized = full if width == full.width else full.resize((width, height), Image.Resampling.LANCZOS)
                _save(sized, media_key(owner_id, key, f"w{width}", SIZED_EXTENSION), SIZED_EXTENSION)
        except BaseException:
            # With the store down the cleanup fails too: the files written stay, named by nothing.
            with contextlib.suppress(storage.Unavailable):
                delete_image(owner_id, key)
            raise
    return key, full.width, full.height


def is_valid_reference(key, variant):
    """True when `key` and `variant` have the shape store_image gives them (so no path tricks)."""
    return bool(KEY_RE.match(key or "")) and bool(VARIANT_RE.match(variant or ""))


def media_key(owner_id, key, variant, extension="jpg"):
    """The storage key of a stored variant (`u/<owner>/img/<key>-<variant>.<extension>`); ValueError for
    a malformed reference."""
    if not is_valid_reference(key, variant) or extension not in EXTENSIONS:
        raise ValueError("bad image reference")
    return f"{storage.media_prefix(owner_id)}img/{key}-{variant}.{extension}"


def image_path(owner_id, key, variant, extension="jpg"):
    """The absolute path of a stored variant in local storage; ValueError for a malformed reference."""
    if not is_valid_reference(key, variant) or extension not in EXTENSIONS:
        raise ValueError("bad image reference")
    return os.path.join(os.path.abspath(user_media_dir(int(owner_id))), "img", f"{key}-{variant}.{extension}")


def accel_redirect(name):
    """The internal nginx address of the local file stored under the key `name` when MEDIA_ACCEL_REDIRECT
    names one (nginx then sends the file itself, the app having checked access), else None."""
    prefix = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if not prefix or storage.media().kind != "local":
        return None
    return prefix.rstrip("/") + "/" + name


def delete_image(owner_id, key):
    """Remove every variant of a stored image; a missing image is not an error."""
    if not key or not KEY_RE.match(key):
        return
    store = storage.media()
    folder = f"{storage.media_prefix(owner_id)}img/"
    # Listed by the key's own prefix: one request to an object store however many files the folder holds.
    for name, _ in list(store.list(f"{folder}{key}-")):
        # Variant names hold no "-", so only this key's own files match.
        base, _, extension = name[len(folder) :].rpartition(".")
        stem, _, variant = base.rpartition("-")
        if stem == key and extension in EXTENSIONS and VARIANT_RE.match(variant):
            store.delete(name)
