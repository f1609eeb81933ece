"""The URLs on a post card, written from prefixes made once per render.

A home page shows 20 cards, each with a dozen links and forms; building every one with `url_for` cost more
than the rest of the card. A page's cards share one `CardLinks` (a context processor makes one per render),
which asks `url_for` once for each kind of URL and gives its prefix, to which a card adds its id:
`card_links.post ~ post.id ~ "/like"`. tests/test_post_card.py checks each against `url_for`.
"""

from functools import cached_property

from flask import url_for


def _prefix(endpoint, **values):
    """The URL of `endpoint` for the value 0 in its last part, with that 0 cut off."""
    url = url_for(endpoint, **values)
    assert url.endswith("0"), url
    return url[:-1]


class CardLinks:
    """Prefixes of the URLs a post card links to, each built on first use."""

    @cached_property
    def post(self):
        """A post's page: + id; its actions: + id + "/like", "/unlike", "/likes", "/edit", "/delete"."""
        return _prefix("posts.show", post_id=0)

    @cached_property
    def person(self):
        """A profile: + username."""
        return _prefix("profiles.show", username="0")

    @cached_property
    def report(self):
        """Reporting a post: + id."""
        return _prefix("moderation.report", subject_type="post", subject_id=0)

    @cached_property
    def icons(self):
        """The icon sprite (hash-versioned): + "#" + the icon's name."""
        return url_for("static", filename="icons.svg")
