"""Uploaded pictures: checked with Pillow, stripped of metadata, resized, stored as JPEG.

Every upload is decoded and re-encoded, so nothing the uploader put in the file (EXIF with GPS
positions, comments, scripts disguised as images) survives. Profiles and posts both store their
pictures through `store_image`.
"""

import contextlib
import io
import os
import re
import secrets
import warnings

from flask import current_app
from PIL import Image, ImageOps

from socialapp.services.accounts import user_media_dir

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
VARIANT_RE = re.compile(r"^[a-z]{1,16}$")
JPEG_QUALITY = 85
UNREADABLE = "That file is not a picture we can read."
WRONG_FORMAT = "Pictures must be JPEG, PNG, GIF or WebP."


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


def _max_pixels():
    """The pixel limit: ours, or Pillow's own bomb limit if that is lower."""
    limit = current_app.config["MAX_IMAGE_PIXELS"]
    return min(limit, Image.MAX_IMAGE_PIXELS) if Image.MAX_IMAGE_PIXELS else limit


def _open_checked(data):
    """Open and fully check the image, refusing huge dimensions before any pixel is decoded."""
    limit = _max_pixels()
    try:
        # Pillow warns from Image.open above its own limit; the check below enforces that limit too.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ImageError(WRONG_FORMAT)
                width, height = probe.size
                if width * height > limit:
                    raise ImageError(f"That picture is too large ({width * height:,} pixels; the limit is {limit:,}).")
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses the largest images itself, before their size can be read.
        raise ImageError(f"That picture is too large (over {limit:,} pixels).") from None
    except Exception:
        # Pillow's decoders raise many kinds of errors on malformed input; all mean the same to the user.
        raise ImageError(UNREADABLE) from None
    return image


def _to_rgb(image):
    """JPEG has no transparency: transparent parts become white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
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
    copy = image.copy()
    copy.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
    return copy


def _save(image, path):
    # A fresh image has an empty `info`, so no EXIF, ICC profile or comment can ride along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)


def store_image(upload, owner_id, variants):
    """Check an upload and store it in each of `variants`; return its key.

    `upload` is a FileStorage or anything with `.stream` or `.read`; `variants` maps a name to
    (max_w, max_h, square). Square variants are centre-cropped. Raises ImageError for anything
    that is not a readable JPEG, PNG, GIF or WebP within the size and pixel limits.
    """
    image = _to_rgb(ImageOps.exif_transpose(_open_checked(_read_limited(upload))))
    key = secrets.token_urlsafe(18)
    folder = os.path.join(user_media_dir(owner_id), "img")
    os.makedirs(folder, exist_ok=True)
    try:
        for name, (max_w, max_h, square) in variants.items():
            if not VARIANT_RE.match(name):
                raise ValueError(f"bad variant name {name!r}")
            _save(_variant(image, max_w, max_h, square), os.path.join(folder, f"{key}-{name}.jpg"))
    except BaseException:
        delete_image(owner_id, key)
        raise
    return key


def is_valid_reference(key, variant):
    """True when `key` and `variant` have the shape store_image gives them (so no path tricks)."""
    return bool(KEY_RE.match(key or "")) and bool(VARIANT_RE.match(variant or ""))


def image_path(owner_id, key, variant):
    """The absolute path of a stored variant; ValueError for a malformed reference."""
    if not is_valid_reference(key, variant):
        raise ValueError("bad image reference")
    return os.path.join(os.path.abspath(user_media_dir(int(owner_id))), "img", f"{key}-{variant}.jpg")


def delete_image(owner_id, key):
    """Remove every variant of a stored image; a missing image is not an error."""
    if not key or not KEY_RE.match(key):
        return
    folder = os.path.join(user_media_dir(owner_id), "img")
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        # Variant names hold no "-", so only this key's own files match.
        stem, _, variant = name.removesuffix(".jpg").rpartition("-")
        if stem == key and name.endswith(".jpg") and VARIANT_RE.match(variant):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, name))
