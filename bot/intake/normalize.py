"""Text clean-up applied to every mention before matching and storage.

Invisible characters are a classic way to slip a word past a keyword filter
("ref\u200bund") or to hide instructions from a reader, so they go. Emoji stay
exactly as written, including ZWJ sequences (👩‍💻), skin tones, variation
selectors and subdivision flags: a zero-width joiner survives only between
two pictographic characters, tag characters only inside an emoji tag sequence.
"""
from __future__ import annotations

import re
import unicodedata

import regex

# Zero-width and invisible format characters, bidi controls, C0/C1 controls
# that are not whitespace (whitespace controls become spaces below) and lone
# surrogates, which cannot be encoded as UTF-8.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff"
)
_EMOJI_BEFORE_JOINER = r"(?:\p{Extended_Pictographic}|\p{Emoji_Modifier})[\ufe0e\ufe0f]?"
_TAGS = "\U000e0000-\U000e007f"

_REMOVE = regex.compile(
    f"[{_INVISIBLE}]"
    # A joiner that does not sit between two emoji.
    rf"|(?<!{_EMOJI_BEFORE_JOINER})\u200d"
    r"|\u200d(?!\p{Extended_Pictographic})"
    # Tag characters outside a flag sequence such as 🏴 + tags (hidden "ASCII smuggling").
    rf"|(?<!\p{{Extended_Pictographic}}[\U000e0020-\U000e007e]*)[{_TAGS}]"
)
# Cheap test for "anything to remove at all?": most posts have nothing, and
# the look-behinds above are slow.
_SUSPECT = re.compile(f"[{_INVISIBLE}\u200d{_TAGS}]")

REMOVED_CHARACTERS = frozenset(
    chr(c)
    for lo, hi in [
        (0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x84), (0x86, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
        (0x61C, 0x61C), (0x180E, 0x180E), (0x200B, 0x200C), (0x200E, 0x200F),
        (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
    ]
    for c in range(lo, hi + 1)
)


def normalize(text: str) -> str:
    """NFC text without invisible characters, whitespace runs collapsed to one
    space, stripped. Idempotent; emoji sequences are left intact."""
    if text.isascii() and text.isprintable():
        # Most posts: nothing to remove, already NFC, and " " is the only space.
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            return " ".join(text.split())
        return text
    return _normalize_any(text)


def keep_lines(text: str) -> str:
    """normalize() line by line, line breaks kept: the injection screen reads
    them (a task planted before or after a forwarded e-mail sits on a line of its own)."""
    if "\n" not in text and "\r" not in text:
        return normalize(text)
    return "\n".join(line for line in map(normalize, text.splitlines()) if line)


def _normalize_any(text: str) -> str:
    cleaned = _REMOVE.sub("", text) if _SUSPECT.search(text) else text
    # str.split() splits on every Unicode space (and the \x1c-\x1f separators).
    cleaned = " ".join(cleaned.split())
    # NFC last: removing a character can bring a letter and its accent together.
    return unicodedata.normalize("NFC", cleaned)
