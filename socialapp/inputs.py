"""What every request's input must be before any view sees it: no NUL characters, and ids the database holds.

PostgreSQL refuses NUL in text ("text fields cannot contain NUL") and numbers beyond its `integer`
("integer out of range"), and either refusal surfaced as a 500 from whichever query met it first. Here
they are stopped at the edge, once for every route: a request carrying NUL anywhere is refused with a
400, an id in a path that no row can have is a 404, and ids read from query strings and forms go
through `to_id`, which gives None for anything that is not one.
"""

from flask import abort, request
from werkzeug.routing import IntegerConverter

from socialapp.services.paging import MAX_ID, row_id

NUL_MESSAGE = "The request contains a NUL character, which no text here may hold. Remove it and try again."


def to_id(value, low=1):
    """`value` (a str or int) as a row id (see paging.row_id), or None when it cannot be one; with `low=0`,
    0 too ("before the first row")."""
    if low == 0 and str(value) == "0":
        return 0
    try:
        return row_id(value)
    except ValueError:
        return None


def id_arg(name, low=1):
    """The query or form value `name` as a row id (see `to_id`), or None when absent or not an id."""
    return to_id(request.values.get(name), low)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: only numbers an id column can hold match, so others are a 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _holds_nul(values):
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def refuse_nul():
    """Before every view: a NUL in the path, a query argument or a form field (names too) is a 400."""
    if "\x00" in request.path or _holds_nul(request.args) or _holds_nul(request.form):
        abort(400, NUL_MESSAGE)


def register_inputs(app):
    """Install the id converter (before any route is added) and the NUL check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
