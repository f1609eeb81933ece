"""Real image files made with Pillow for upload tests."""

import io

from PIL import Image


def picture_bytes(fmt="PNG", size=(300, 200), color=(200, 30, 30), exif=None):
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def upload(data, filename="picture.png"):
    """A (stream, filename) pair, as the Flask test client takes a file field."""
    return io.BytesIO(data), filename
