"""How a post's pictures are shown: the files in `srcset`, the `sizes` they are drawn at, the grid's cells.

The grid (static/css/app.css, "Pictures") is at most GRID_MAX px wide. One picture is shown whole, at its
own ratio, no taller than SINGLE_MAX_HEIGHT. Two to four share a 16:9 box, as Mastodon lays them out: two
side by side, three as one tall on the left and two stacked on the right, four as 2x2; each fills its
cell (object-fit: cover), so a picture wider than its cell is drawn wider than the cell and cropped. The
`sizes` below say how wide each picture is drawn (at most the grid's width), so the browser fetches the
smallest file that is sharp at the screen's pixel ratio.
"""

from dataclasses import dataclass

from flask import url_for

from socialapp.blueprints.posts.routes import bp
from socialapp.services import pictures

GRID_MAX = 560  # px
SINGLE_MAX_HEIGHT = 560  # px
GRID_RATIO = 9 / 16  # height / width of the box of 2 to 4 pictures
# How wide the grid is drawn, by viewport: phones (the column less its padding and the post's), the
# narrow desktop (less the navigation column), then GRID_MAX. Kept in step with app.css's layout.
GRID_WIDTHS = (("(min-width: 842px)", None), ("(min-width: 768px)", "100vw - 282px"), ("", "100vw - 58px"))
# (width, height) of each cell as a fraction of the grid's width, for 2, 3 and 4 pictures.
CELLS = {
    2: [(0.5, GRID_RATIO)] * 2,
    3: [(0.5, GRID_RATIO)] + [(0.5, GRID_RATIO / 2)] * 2,
    4: [(0.5, GRID_RATIO / 2)] * 4,
}


@dataclass
class ShownPicture:
    number: int
    src: str
    srcset: str | None
    sizes: str | None
    width: int
    height: int
    full: str
    alt: str
    described: bool


def _sizes_single(ratio):
    limit = round(SINGLE_MAX_HEIGHT * ratio)
    parts = []
    for condition, width in GRID_WIDTHS:
        value = f"{min(GRID_MAX, limit)}px" if width is None else f"min(calc({width}), {limit}px)"
        parts.append(f"{condition} {value}".strip())
    return ", ".join(parts)


def _sizes_cell(cell, ratio):
    """A picture covering a cell is drawn as wide as the cell, or wider when it is wider than the cell; it
    asks for no more than a whole-width picture would (a panorama in the tall cell, drawn 1.69 times the
    grid's width, would otherwise fetch 2048 px on a phone to show a third of it)."""
    cell_w, cell_h = cell
    factor = round(min(1.0, max(cell_w, cell_h * ratio)), 3)
    parts = []
    for condition, width in GRID_WIDTHS:
        value = f"{round(GRID_MAX * factor)}px" if width is None else f"calc({factor} * ({width}))"
        parts.append(f"{condition} {value}".strip())
    return ", ".join(parts)


def shown_pictures(owner_id, images):
    """ShownPicture for each of a post's PostImages, in order."""
    count = len(images)
    shown = []
    for number, image in enumerate(images, start=1):
        # One url_for a picture (a feed page may show 80 pictures of 7 files each): its files differ only
        # in the last part of the address.
        folder = url_for("profiles.media", owner_id=owner_id, key=image.key, variant="x").rpartition("/")[0]
        urls = [(f"{folder}/{v}.{e}", w) for v, e, w in pictures.stored_files(image)]
        variant, extension = pictures.full_file(image)
        sized = bool(image.width and image.height)
        width, height = (image.width, image.height) if sized else (400, 400)
        ratio = width / height
        sizes = _sizes_single(ratio) if count == 1 else _sizes_cell(CELLS[min(count, 4)][min(number, 4) - 1], ratio)
        shown.append(
            ShownPicture(
                number=number,
                src=urls[min(2, len(urls) - 1)][0],  # for browsers without srcset: a middling size
                srcset=", ".join(f"{url} {w}w" for url, w in urls) if sized else None,
                sizes=sizes if sized else None,
                width=width,
                height=height,
                full=f"{folder}/{variant}.{extension}",
                alt=image.alt_text or f"Picture {number} of {count}, not described",
                described=bool(image.alt_text),
            )
        )
    return shown


@bp.app_context_processor
def picture_helpers():
    return {"shown_pictures": shown_pictures}
