"""Uploaded pictures: checked with Pillow, stripped of metadata, resized, stored as JPEG.

Every upload is decoded and re-encoded, so nothing the uploader put in the file (EXIF with GPS
positions, comments, scripts disguised as images) survives.
"""

import os
import re
import secrets

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from socialapp.services.accounts import user_media_dir

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
VARIANT_RE = re.compile(r"^[a-z]{1,16}$")


class ImageError(ValueError):
    """The upload is not a picture we accept; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _read_limited(upload):
    limit = current_app.config["MAX_IMAGE_BYTES"]
    stream = getattr(upload, "stream", upload)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageError(f"Pictures must be under {limit // (1024 * 1024)} MB.")
    if not data:
        raise ImageError("That file is empty.")
    return data


def _open_checked(data):
    """Open and fully check the image, refusing huge dimensions before decoding any pixels."""
    import io

    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ImageError("Pictures must be JPEG, PNG, GIF or WebP.")
            width, height = probe.size
            if width * height > max_pixels:
                raise ImageError(f"That picture is too large ({width} × {height} pixels).")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError("That file is not a picture we can read.") from None
    return image


def _variant(image, max_w, max_h, square):
    if square:
        return ImageOps.fit(image, (max_w, max_h), Image.Resampling.LANCZOS)
    copy = image.copy()
    copy.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
    return copy


def store_image(upload, owner_id, variants):
    """Check and store an upload in each of `variants` ({name: (max_w, max_h, square)}); return its key."""
    image = _open_checked(_read_limited(upload))
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    key = secrets.token_urlsafe(18)
    folder = os.path.join(user_media_dir(owner_id), "img")
    os.makedirs(folder, exist_ok=True)
    for name, (max_w, max_h, square) in variants.items():
        # A fresh image without `info` carries no EXIF, ICC comments or other metadata.
        out = _variant(image, max_w, max_h, square)
        clean = Image.new("RGB", out.size)
        clean.paste(out)
        clean.save(os.path.join(folder, f"{key}-{name}.jpg"), "JPEG", quality=85, optimize=True)
    return key


def is_valid_reference(key, variant):
    return bool(KEY_RE.match(key or "")) and bool(VARIANT_RE.match(variant or ""))


def image_path(owner_id, key, variant):
    """Where a stored variant lives on disk."""
    if not is_valid_reference(key, variant):
        raise ValueError("bad image reference")
    return os.path.join(user_media_dir(owner_id), "img", f"{key}-{variant}.jpg")


def delete_image(owner_id, key):
    """Remove every variant of a stored image."""
    if not key or not KEY_RE.match(key):
        return
    folder = os.path.join(user_media_dir(owner_id), "img")
    if not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        if name.startswith(key + "-"):
            os.remove(os.path.join(folder, name))
