"""Template filters: how what people write is shown, as safe HTML.

`linkify` cuts the text into plain pieces and #tag or @mention pieces; every piece goes through
markupsafe's escape, and only the link markup around escaped values is ours. Cutting before escaping
means an escaped quote such as `&#39;` can never be mistaken for a hashtag.

An @mention becomes a link to /u/<name> whether or not that person exists: checking would cost a
query per page, and the profile page answers 404 for an unknown name (or someone in a block).

`highlight` marks search terms in HTML that is already escaped (linkify's output), so it never sees
the raw text and never cuts a tag or an entity open.
"""

import re

from flask import url_for
from markupsafe import Markup, escape

from socialapp import localtime
from socialapp.services.text import TOKEN_RE

# In HTML that is already escaped: a tag, an entity, or a word. Only words are ever wrapped.
HTML_TOKEN_RE = re.compile(r"<[^>]*>|&#?\w+;|[^\W_]+")


def linkify(text):
    """`text` as safe HTML, with #hashtags linked to their page and @mentions to the profile."""
    text = text or ""
    parts = []
    position = 0
    for match in TOKEN_RE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        if match.group("tag"):
            url = url_for("posts.tag", tag=match.group("tag").lower())
            parts.append(Markup('<a href="{}" class="hashtag">{}</a>').format(url, match.group(0)))
        else:
            url = url_for("profiles.show", username=match.group("mention"))
            parts.append(Markup('<a href="{}" class="mention">{}</a>').format(url, match.group(0)))
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


def init_app(app):
    app.add_template_global(localtime.when)
    app.add_template_global(localtime.full, "full_time")
    app.add_template_global(localtime.day, "local_day")
    app.add_template_filter(linkify)
    app.add_template_filter(highlight)
