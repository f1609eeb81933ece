"""What htmx adds to the requests it makes, for tests that ask for a fragment rather than a page."""

HTMX = {"HX-Request": "true"}
