"""The URLs on a post card, written from prefixes made once per render.

A home page shows 20 cards, each with a dozen links and forms; building every one with `url_for` cost more
than the rest of the card. A page's cards share one `CardLinks` (a context processor makes one per render),
which asks `url_for` once for each kind of URL and gives its prefix, to which a card adds its id:
`card_links.post ~ post.id ~ "/like"`. tests/test_post_card.py checks each against `url_for`.

It also holds what every like form of a page repeats: the CSRF token for browsers without JavaScript (htmx
sends the page's header, set once on <body>) and the `next` page, each read once per render.
"""

from functools import cached_property

from flask import request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from socialapp.templating import icon


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
        """A profile: + username; following and unfollowing: + username + "/follow", "/unfollow"."""
        return _prefix("profiles.show", username="0")

    @cached_property
    def chat(self):
        """A conversation: + username (the home page's "Online now")."""
        return _prefix("chat.conversation", username="0")

    @cached_property
    def tag(self):
        """A hashtag's posts: + the tag, lower-cased and quoted as a path segment (templating.linkify)."""
        return _prefix("posts.tag", tag="0")

    @cached_property
    def media(self):
        """A profile picture: + owner id + "/" + key + "/" + variant + ".jpg" (templating.avatar)."""
        url = url_for("profiles.media", owner_id=0, key="k", variant="v")
        assert url.endswith("/0/k/v.jpg"), url
        return url[: -len("0/k/v.jpg")]

    @cached_property
    def report(self):
        """Reporting a post: + id."""
        return _prefix("moderation.report", subject_type="post", subject_id=0)

    @cached_property
    def icons(self):
        """The icon sprite (hash-versioned): + "#" + the icon's name."""
        return url_for("static", filename="icons.svg")

    @cached_property
    def icon(self):
        """The sprite's icons as attributes, each written once per render: `card_links.icon.heart`."""
        return Icons(self.icons)

    @cached_property
    def viewer_id(self):
        """Who the cards are shown to (None for a visitor): whose posts get Edit and Delete."""
        return current_user.id if current_user.is_authenticated else None

    @cached_property
    def csrf_token(self):
        """The request's CSRF token, for forms that must also work without JavaScript."""
        return generate_csrf()

    @cached_property
    def next(self):
        """Where a form posted without htmx goes back to: this page, or the one the post being answered came
        from (the `next=True` of _partials/forms.html's hidden_inputs)."""
        return request.full_path if request.method == "GET" else request.form.get("next", "/")


class Icons:
    """templating.icon(sprite, name) for one sprite, as the attribute `name`, made on first use and kept: a
    page of cards shows a hundred icons of seven kinds."""

    def __init__(self, sprite):
        self._sprite = sprite

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        markup = icon(self._sprite, name)
        setattr(self, name, markup)
        return markup
