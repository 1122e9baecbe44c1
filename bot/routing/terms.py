"""Literal terms: how they are folded and where a hit counts as a whole word.

The text is matched in `str.casefold()` form; terms are normalized and folded
the same way so "Café", "CAFÉ" and "café" meet. A keyword or phrase must
start and end on a word boundary ("refund" does not fire inside
"refunded"), except next to scripts written without spaces (Chinese,
Japanese, Thai…), where any position is a boundary.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.intake.normalize import normalize

WORD, HASHTAG, HANDLE = "word", "hashtag", "handle"

# Checks made at a hit's edges, stored with each scanned term.
NO_CHECK, WORD_EDGE, HANDLE_EDGE = 0, 1, 2

_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x9FFF),  # CJK radicals, kana, CJK ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x20000, 0x3FFFF),  # CJK extensions
)


def unspaced(ch: str) -> bool:
    """True for scripts written without spaces between words."""
    code = ord(ch)
    if code < 0x0E00:
        return False
    for lo, hi in _UNSPACED_RANGES:
        if lo <= code <= hi:
            return True
    return False


ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def joins(ch: str) -> bool:
    """Would `ch` continue a word touching it? (letters, digits, _, marks)"""
    if ch < "\x80":
        return ch in ASCII_WORD
    if ch.isalnum():
        return not unspaced(ch)
    return unicodedata.category(ch)[0] == "M"


def fold(text: str) -> str:
    """The form both terms and text are matched in."""
    return text.casefold()


@dataclass(frozen=True)
class LiteralTerm:
    key: str  # folded, with "#" or "@" for hashtags and handles
    left: int  # NO_CHECK or WORD_EDGE
    right: int  # NO_CHECK, WORD_EDGE or HANDLE_EDGE


def literal_term(kind: str, written: str) -> LiteralTerm | None:
    """The scanned form of a configured term; None when nothing is left
    after normalization (e.g. a term made only of invisible characters)."""
    body = fold(normalize(written))
    if kind == HASHTAG:
        body = body.lstrip("#")
    elif kind == HANDLE:
        body = body.lstrip("@")
    if not body:
        return None
    if kind == WORD:
        left = WORD_EDGE if joins(body[0]) else NO_CHECK
        right = WORD_EDGE if joins(body[-1]) else NO_CHECK
        return LiteralTerm(body, left, right)
    prefix = "#" if kind == HASHTAG else "@"
    right = HANDLE_EDGE if kind == HANDLE else WORD_EDGE
    return LiteralTerm(prefix + body, WORD_EDGE, right)


def display(kind: str, written: str) -> str:
    """How a term is reported in `RouteMatch.matched`."""
    body = normalize(written)
    if kind == HASHTAG:
        return "#" + body.lstrip("#")
    if kind == HANDLE:
        return "@" + body.lstrip("@")
    return body
