"""Template filters: how what people write is shown, as safe HTML.

`linkify` cuts the text into plain pieces and #tag or @mention pieces; every piece goes through
markupsafe's escape, and only the link markup around escaped values is ours. Cutting before escaping
means an escaped quote such as `&#39;` can never be mistaken for a hashtag.

An @mention becomes a link to /u/<name> whether or not that person exists: checking would cost a
query per page, and the profile page answers 404 for an unknown name (or someone in a block).

`highlight` marks search terms in HTML that is already escaped (linkify's output), so it never sees
the raw text and never cuts a tag or an entity open.

`icon` and `avatar` are Python rather than a macro and an include: a home page shows them on each of its
20 cards, and Jinja's import and include cost more than the markup they write.
"""

import re
from urllib.parse import quote

from flask import current_app, has_request_context, request, url_for
from jinja2 import pass_context
from markupsafe import Markup, escape

from socialapp import localtime
from socialapp.services.text import TOKEN_RE

# In HTML that is already escaped: a tag, an entity, or a word. Only words are ever wrapped.
HTML_TOKEN_RE = re.compile(r"<[^>]*>|&#?\w+;|[^\W_]+")


# How werkzeug writes a value into one path segment (its default converter's to_url).
PATH_SEGMENT_SAFE = "!$&'()*+,/:;=@"


@pass_context
def linkify(context, text):
    """`text` as safe HTML, with #hashtags linked to their page and @mentions to the profile."""
    text = text or ""
    if not TOKEN_RE.search(text):
        return escape(text)
    links = context.get("card_links")
    tag_prefix = links.tag if links else url_for("posts.tag", tag="0")[:-1]
    person_prefix = links.person if links else url_for("profiles.show", username="0")[:-1]
    parts = []
    position = 0
    for match in TOKEN_RE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        if match.group("tag"):
            url = escape(tag_prefix + quote(match.group("tag").lower(), safe=PATH_SEGMENT_SAFE))
            parts.append(Markup(f'<a href="{url}" class="hashtag">{escape(match.group(0))}</a>'))
        else:
            url = escape(person_prefix + match.group("mention"))
            parts.append(Markup(f'<a href="{url}" class="mention">{escape(match.group(0))}</a>'))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def highlight(html, terms):
    """Escaped HTML (Markup) with the words that match `terms` (search.Terms, or nothing) wrapped in <mark>.

    Plain text is escaped first. Tags and entities are left alone, so the only markup added is <mark>
    around letters and digits.
    """
    html = escape(html)
    if not terms:
        return html
    matches = terms.matcher()

    def mark(match):
        token = match.group(0)
        if token[0] not in "<&" and matches(token):
            return f"<mark>{token}</mark>"
        return token

    return Markup(HTML_TOKEN_RE.sub(mark, str(html)))


def icon(sprite, name):
    """An icon from the sprite (static/icons.svg), hidden from assistive technology: the control it sits in
    has the name. `sprite` is the sprite's versioned URL (card_links.icons)."""
    return Markup(
        f'<svg class="icon" aria-hidden="true" focusable="false" width="20" height="20">'
        f'<use href="{escape(sprite)}#{escape(name)}"></use></svg>'
    )


AVATAR_PIXELS = {"sm": 32, "md": 48, "lg": 128}


@pass_context
def avatar(context, user, size="md", decorative=False):
    """A user's picture, or their initials on a colour drawn from their id. size: sm, md or lg. decorative:
    the control around it already names the person, so the avatar is hidden from screen readers.
    (f-strings with escape: Markup.format goes through string.Formatter, several times slower.)"""
    px = AVATAR_PIXELS[size]
    name = "" if decorative else escape(user.full_name or user.username)
    if user.avatar_key:
        variant = "thumb" if size == "sm" else "avatar"
        src = escape(f"{context['card_links'].media}{user.id}/{user.avatar_key}/{variant}.jpg")
        return Markup(f'<img class="avatar avatar-{size}" src="{src}" alt="{name}" width="{px}" height="{px}">')
    label = 'aria-hidden="true"' if decorative else f'role="img" aria-label="{name}"'
    hue = (user.id * 47) % 360
    return Markup(
        f'<span class="avatar avatar-{size} avatar-initials" style="--hue: {hue}" {label}>{escape(user.initials)}</span>'
    )


def site_url(endpoint, **values):
    """`url_for` for the site's fixed addresses (the layout's links, the static files with their version),
    remembered by the app: every page's layout writes a score of them. Not for addresses made of data."""
    remembered = current_app.extensions["site_urls"]
    key = (request.script_root if has_request_context() else None, endpoint, *sorted(values.items()))
    url = remembered.get(key)
    if url is None:
        url = remembered[key] = url_for(endpoint, **values)
    return url


def init_app(app):
    # Every include looks its template up in the environment's cache: Jinja's default, an LRU of 400, moves
    # the key along a deque on each hit (a scan of the deque), dozens of times a page. The templates are a
    # fixed set, so a plain dict holds them all.
    app.jinja_env.cache = {}
    # Each include makes a context, which takes a set of its template's globals: from Jinja's ChainMap over
    # the environment's, that set is rebuilt key by key every time (about 4% of a feed page's instructions).
    # A plain dict made when the template loads does the same, since globals are all added at start-up, as
    # Jinja asks ("avoid modifying any globals after a template is loaded").
    app.jinja_env.make_globals = lambda own: {**app.jinja_env.globals, **(own or {})}
    app.extensions["site_urls"] = {}
    app.add_template_global(localtime.when)
    app.add_template_global(localtime.full, "full_time")
    app.add_template_global(localtime.day, "local_day")
    app.add_template_global(icon)
    app.add_template_global(icon, "icon_svg")  # for _partials/icons.html, whose macro shadows `icon`
    app.add_template_global(avatar)
    app.add_template_global(site_url)
    app.add_template_filter(linkify)
    app.add_template_filter(highlight)
