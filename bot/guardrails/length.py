"""How long a reply is, counted the way each network counts.

- X: the weighted count of twitter-text 3 (what X itself enforces). Every link
  counts 23 (t.co), an emoji (including ZWJ sequences, keycaps and flags) counts 2,
  characters from Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts and
  common punctuation (U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F,
  U+2032-U+2037) count 1, everything else (CJK, Hangul, ...) counts 2.
  Text is NFC-normalised first, as X does.
- Bluesky: grapheme clusters (what a reader sees as one character).
- Mastodon and any other network: Unicode code points. (Mastodon itself counts
  an http(s) link as 23; counting it in full, but at least 23, is stricter,
  never looser.)
"""
from __future__ import annotations

import unicodedata

import regex

from bot.config.workspace import DEFAULT_LENGTH_LIMITS

NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon", "reddit": "Reddit", "threads": "Threads"}
URL_WEIGHT = 23
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Emoji_Presentation}|\uFE0F|\p{Regional_Indicator}")
# Non-ASCII stretches with one neighbour on each side (an accent joins the
# letter before it; a prepend mark joins the character after it).
_SEGMENT = regex.compile(r"(?s).?[^\x00-\x7f]+(?:.[^\x00-\x7f]+)*.?")
_HEAVY = regex.compile(r"[^\u0000-\u10FF\u2000-\u200D\u2010-\u201F\u2032-\u2037]")


def limit_for(network: str, limits: dict[str, int]) -> int | None:
    return limits.get(network, DEFAULT_LENGTH_LIMITS.get(network))


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network)


def _weight(text: str) -> int:
    return len(text) + len(_HEAVY.findall(text))


def _x_plain(text: str) -> int:
    if text.isascii():
        return len(text)
    text = unicodedata.normalize("NFC", text)
    total = _weight(text)
    if _EMOJI.search(text):
        # An emoji counts 2 however many code points it is built from.
        for segment in _SEGMENT.findall(text):
            for cluster in _GRAPHEME.findall(segment):
                if _EMOJI.search(cluster):
                    total += 2 - _weight(cluster)
    return total


def x_length(text: str, link_spans: list[tuple[int, int]]) -> int:
    total, pos = 0, 0
    for start, end in link_spans:
        total += _x_plain(text[pos:start]) + URL_WEIGHT
        pos = end
    return total + _x_plain(text[pos:])


def graphemes(text: str) -> int:
    # CR LF is one grapheme, like LF, and never joins its neighbours.
    text = text.replace("\r\n", "\n")
    if text.isascii():
        return len(text)
    # Plain ASCII characters are one grapheme each; only the stretches around
    # other characters need the (slow) grapheme scan.
    return len(text) - sum(len(s) - len(_GRAPHEME.findall(s)) for s in _SEGMENT.findall(text))


# Bluesky also refuses a post over 3,000 bytes of UTF-8, whatever its graphemes.
BYTE_LIMITS = {"bluesky": 3000}


def bytes_over(text: str, network: str) -> str | None:
    """Why the reply is over the network's byte limit, or None."""
    limit = BYTE_LIMITS.get(network)
    if limit is None or len(text) * 4 <= limit:
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return (f"{size:,}/{limit:,} bytes on {network_name(network)}, which refuses posts over {limit:,} bytes "
            f"however few characters they show (emoji take up to 25 bytes each); shorten the reply.")


def measure(text: str, network: str, link_spans: list[tuple[int, int]]) -> int:
    if network == "x":
        return x_length(text, link_spans)
    if network == "bluesky":
        return graphemes(text)
    if network == "mastodon":
        # A link shorter than 23 still costs 23 there.
        return len(text) + sum(max(0, URL_WEIGHT - (end - start)) for start, end in link_spans
                               if text[start:start + 8].lower().startswith(("http://", "https://")))
    return len(text)
