"""#hashtags and @mentions in what people write: found, and turned into links safely.

The text is cut into plain pieces and tag or mention pieces; every piece goes through markupsafe's
escape, and only the link markup around escaped values is ours. Cutting before escaping means an
escaped quote such as `&#39;` can never be mistaken for a hashtag.

An @mention becomes a link to /u/<name> whether or not that person exists: checking would cost a
query per page, and the profile page answers 404 for an unknown name (or someone in a block).
"""

import re

from flask import url_for
from markupsafe import Markup, escape

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_POST = 30
# A tag or mention starts the text or follows a character that cannot be part of a word, so
# "a#b" and "me@example.com" are left alone.
TOKEN_RE = re.compile(r"(?<![\w#@&/])(?:#(?P<tag>\w{1,50})|@(?P<mention>[A-Za-z0-9_]{3,30}))(?!\w)")


def hashtags(text):
    """The distinct hashtags in `text`, lower-cased, in order of first appearance."""
    found = []
    for match in TOKEN_RE.finditer(text or ""):
        tag = match.group("tag")
        if tag and tag.lower() not in found:
            found.append(tag.lower())
    return found[:MAX_TAGS_PER_POST]


def mentions(text):
    """The distinct usernames @mentioned in `text`, lower-cased."""
    found = []
    for match in TOKEN_RE.finditer(text or ""):
        name = match.group("mention")
        if name and name.lower() not in found:
            found.append(name.lower())
    return found


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


def after_prefix(prefix):
    """The first string after every string that starts with `prefix`, for a range an index can read; None
    when there is none (the last character is the last code point). Surrogates are skipped: no text holds
    them, and neither database driver can encode one."""
    code = ord(prefix[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return prefix[:-1] + chr(code) if code <= 0x10FFFF else None
