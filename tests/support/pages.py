"""Comparing pages that must not tell one case from another."""

import re


def masked_page(response, address):
    """The page as text with `address` masked and CSRF tokens (signed, so different each time) left out."""
    text = response.get_data(as_text=True).replace(address, "X@")
    return re.sub(r'"[\w-]+\.[\w-]+\.[\w-]+"', '"token"', text)


def text_of(html):
    """The text of HTML as it is read out: the tags taken away, so "1<span class="sr-only"> like</span>"
    reads "1 like"."""
    return re.sub(r"<[^>]*>", "", html)


def reads(html, words):
    """Whether the text of `html` (`text_of`) holds `words` as whole words: "1 like" is not in "11 likes"."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text_of(html)) is not None
