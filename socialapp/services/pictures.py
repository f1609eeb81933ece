"""Post pictures: stored at the widths pages show them at, with the description their author wrote.

A picture is kept upright and whole (never cropped, never enlarged), within MAX_SIDE pixels either way,
as one file for each of WIDTHS below its own width and one at its own width (`images.store_widths`).
Its stored width and height are kept on its PostImage, so pages can list those files in `srcset` and
reserve the picture's space before it loads. Pictures stored before sizes existed (width None) have a
400 px square "thumb" and a "large" file, both JPEG.
"""

from socialapp.services import images, text
from socialapp.services.errors import InvalidInput

# Chosen for where pictures show: a 2-up cell on a phone at 3x (~490 px), a whole-width picture on a phone
# at 3x (~1000 px), one on a desktop at 1x (560 px) or 2x (1120 px); the largest is for the viewer.
WIDTHS = (320, 480, 640, 800, 1080, 1440, 2048)
MAX_SIDE = 2048
MAX_ALT_LENGTH = 1500
ALT_TOO_LONG = "The description of picture {number} can be at most {limit:,} characters (it has {length:,})."


def clean_alt_text(value, number):
    """A description as kept ("" when none was written); InvalidInput naming picture `number` when too long."""
    too_long = ALT_TOO_LONG.replace("{number}", str(number))
    return text.clean_text(value, MAX_ALT_LENGTH, InvalidInput, "", too_long, allow_empty=True)


def clean_alt_texts(values, count, first_number=1):
    """The descriptions of `count` pictures from `values` (missing ones ""), checked together: one
    InvalidInput names every description that is too long."""
    values = list(values or ())[:count]
    values += [""] * (count - len(values))
    kept, problems = [], []
    for number, value in enumerate(values, start=first_number):
        try:
            kept.append(clean_alt_text(value, number))
        except InvalidInput as error:
            problems.append(error.message)
    if problems:
        raise InvalidInput(" ".join(problems))
    return kept


def store_pictures(owner_id, uploads):
    """Store each upload; [(key, width, height)]. InvalidInput (and nothing left behind) when one is refused."""
    stored = []
    try:
        for upload in uploads:
            stored.append(images.store_widths(upload, owner_id, WIDTHS, MAX_SIDE))
    except images.ImageError as error:
        for key, _, _ in stored:
            images.delete_image(owner_id, key)
        raise InvalidInput(error.message) from None
    return stored


def stored_files(picture):
    """[(variant, extension, width)] of a PostImage's files, smallest first; for a picture stored before
    sizes existed, its one 400 px square file."""
    if not picture.width or not picture.height:
        return [("thumb", "jpg", 400)]
    return [(f"w{w}", images.SIZED_EXTENSION, w) for w in images.sized_widths(picture.width, WIDTHS)]


def full_file(picture):
    """(variant, extension) of a PostImage's largest file, which the viewer and the no-script link open."""
    if not picture.width or not picture.height:
        return "large", "jpg"
    return f"w{picture.width}", images.SIZED_EXTENSION
