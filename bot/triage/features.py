"""Tokens both the trainer and the runtime models read from a text.

One function, used on both sides, so a model can never be trained on
different tokens than it later sees. Links, handles and numbers become
placeholders: what matters is that a post has an order number, not which.
"""
from __future__ import annotations

import re

_LINK = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<!\w)@[\w.@-]+")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[a-z_]+(?:'[a-z]+)?|[?!]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def words(text: str) -> list[str]:
    low = text.lower().translate(_APOSTROPHES)
    low = _LINK.sub(" _link ", low)
    low = _HANDLE.sub(" _handle ", low)
    low = _NUMBER.sub(" _num ", low)
    return _WORD.findall(low)


def tokens(text: str, limit: int = 400) -> list[str]:
    """Words and word pairs, the first `limit` words only: long texts say
    what they are early, and the cost stays bounded."""
    ws = words(text)[:limit]
    return ws + [f"{a} {b}" for a, b in zip(ws, ws[1:])]
