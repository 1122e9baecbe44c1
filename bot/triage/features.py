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


@lru_cache(maxsize=64)
def token_set(text: str) -> frozenset[str]:
    """tokens(text) as a set; triage and injection screening read the same
    post one after the other, so the second read is free."""
    return frozenset(tokens(text))
