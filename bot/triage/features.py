"""Tokens both the trainer and the runtime models read from a text.

One function, used on both sides, so a model can never be trained on
different tokens than it later sees. Links, handles and numbers become
placeholders: what matters is that a post has an order number, not which.
"""
from __future__ import annotations

import re
from functools import lru_cache

# One pass: links, handles and numbers are matched whole and replaced by a placeholder.
_TOKEN = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@[\w.@-]+|\d+(?:[.,:]\d+)*|[a-z_]+(?:'[a-z]+)?|[?!]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_PLACEHOLDER = {"h": "_link", "w": "_link", "@": "_handle"}


def _placeholder(token: str) -> str:
    first = token[0]
    if first.isdigit():
        return "_num"
    if first in _PLACEHOLDER and (first == "@" or token.startswith(("http", "www."))):
        return _PLACEHOLDER[first]
    return token


def words(text: str) -> list[str]:
    low = text.lower()
    if "\u2019" in low or "\u2018" in low:
        low = low.translate(_APOSTROPHES)
    return list(map(_placeholder, _TOKEN.findall(low)))


def tokens(text: str, limit: int = 400) -> list[str]:
    """Words and word pairs, the first `limit` words only: long texts say
    what they are early, and the cost stays bounded."""
    ws = words(text)[:limit]
    return ws + list(map(" ".join, zip(ws, ws[1:])))


CHAR_PREFIX = "c:"


def char_set(text: str, limit: int = 1000) -> set[str]:
    """Every three- to five-letter piece of the first `limit` characters,
    lower-cased, spaces squeezed and the ends padded. They carry what words
    miss: other languages' inflections ("ignoriere", "ignorieren"),
    misspellings, glued words. Slices in one comprehension: this runs on
    every screened post."""
    padded = " " + " ".join(text[:limit].lower().split()) + " "
    size = len(padded)
    return {padded[i:i + n] for n in (3, 4, 5) for i in range(size - n + 1)}


def screen_tokens(text: str) -> list[str]:
    """The injection screen's training features: words, word pairs and
    letter pieces (marked, so a piece never meets a word of the same spelling)."""
    return tokens(text) + [CHAR_PREFIX + g for g in char_set(text)]


@lru_cache(maxsize=64)
def token_set(text: str) -> frozenset[str]:
    """tokens(text) as a set; triage and injection screening read the same
    post one after the other, so the second read is free."""
    return frozenset(tokens(text))
