"""The canonical form of an outgoing reply: a second view of the text that
every guardrail reads, so that invisible characters, lookalike letters and
compatibility forms cannot slip a word past a check.

Two views are built, each with a map back to the original text so a finding
can quote what the writer really wrote:

- `clean`: Unicode NFKC (full-width digits and letters, ligatures and
  non-breaking spaces become plain), with format and invisible characters
  removed (zero-width characters, soft hyphen, bidi controls, variation
  selectors, tag characters). Case is kept; numbers, addresses and links are
  read here.
- `letters`: `clean` with every letter that Unicode TR39 lists as
  confusable with one Latin letter or digit folded to it (Cyrillic "а",
  Greek "ο" → "a", "o"), case kept. It has the same length and offsets as
  `clean`, so a span found here quotes `clean` (and a link's real host) too.
- `folded`: `clean`, lower-cased, accents dropped and every letter that
  Unicode TR39 lists as confusable with a single Latin letter or digit folded
  to it (Cyrillic "а", Greek "ο" → "a", "o"). Words are read here.

Both are built character by character from a cached table, and the offset map
holds one entry per changed stretch, so building and mapping stay linear.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

import regex
from confusable_homoglyphs import confusables

from bot.intake.normalize import REMOVED_CHARACTERS

# What intake removes from mentions, plus what may hide inside an outgoing
# reply: joiners, variation selectors, tag characters and Hangul fillers.
_EXTRA_INVISIBLE = frozenset(
    "\u200d\u2065\u3164\u115f\u1160\uffa0\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
    + "".join(chr(c) for c in range(0xE0000, 0xE0080))
)
INVISIBLE = REMOVED_CHARACTERS | _EXTRA_INVISIBLE
# Stretches that may need changing: everything outside printable ASCII.
_UNUSUAL = regex.compile(r"[^\x09\x0a\x0d\x20-\x7e]+")
_MARKS = regex.compile(r"\p{Mn}+")


def _lookalikes() -> dict[str, str]:
    """Non-ASCII characters that TR39 confuses with one ASCII letter or digit."""
    table: dict[str, str] = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = [e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalnum()]
        if targets:
            # Prefer a letter over a digit: "о" is an "o" in words more often than a "0".
            targets.sort(key=lambda c: (not c.isalpha(), c))
            table[char] = targets[0]
    return table


# Letters that spoofers use as Latin look-alikes although TR39 lists no single-letter
# mapping for them (small-capital and italic shapes, stroked letters).
_EXTRA_LOOKALIKES = dict(zip("κкКмМтТнНвВпгшɡıłøđħьЬ", "kkKmMtThHbBnrwgilodhbb"))
_LOOKALIKE = {**_EXTRA_LOOKALIKES, **_lookalikes()}


@lru_cache(maxsize=65536)
def _clean_char(char: str) -> str:
    if char in INVISIBLE:
        return ""
    return unicodedata.normalize("NFKC", char)


@lru_cache(maxsize=65536)
def _folded_char(char: str) -> str:
    out = []
    for c in _MARKS.sub("", unicodedata.normalize("NFKD", _clean_char(char))):
        out.append(_LOOKALIKE.get(c, c))
    return "".join(out).lower()


@dataclass(frozen=True)
class View:
    """A transformed text and where each of its stretches came from."""

    text: str
    original: str
    # Sorted starts of stretches in `text`, the matching original start and
    # end, and whether the stretch is an unchanged copy.
    _starts: tuple[int, ...] = ()
    _origins: tuple[tuple[int, int, bool], ...] = ()

    def _where(self, index: int) -> tuple[int, int]:
        """The original span that produced character `index` of the view."""
        if not self._starts:
            return index, index + 1
        k = bisect_right(self._starts, index) - 1
        if k < 0:
            return index, index + 1
        start, end, copied = self._origins[k]
        if copied:
            at = start + index - self._starts[k]
            return at, at + 1
        return start, end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind `text[start:end]`."""
        if end <= start:
            at = self._where(start)[0] if start < len(self.text) else len(self.original)
            return at, at
        return self._where(start)[0], self._where(end - 1)[1]

    def quote(self, start: int, end: int) -> str:
        """The original text behind `text[start:end]`, as written."""
        a, b = self.span(start, end)
        return self.original[a:b]


def _build(text: str, convert, lower: bool) -> View:
    if not _UNUSUAL.search(text):
        return View(text.lower() if lower else text, text)
    pieces: list[str] = []
    starts: list[int] = []
    origins: list[tuple[int, int, bool]] = []
    size = 0
    pos = 0

    def copy(a: int, b: int) -> None:
        nonlocal size
        if a < b:
            chunk = text[a:b]
            pieces.append(chunk.lower() if lower else chunk)
            starts.append(size)
            origins.append((a, b, True))
            size += b - a

    for m in _UNUSUAL.finditer(text):
        copy(pos, m.start())
        for i in range(m.start(), m.end()):
            out = convert(text[i])
            if out:
                pieces.append(out)
                starts.append(size)
                origins.append((i, i + 1, len(out) == 1 and out == text[i]))
                size += len(out)
        pos = m.end()
    copy(pos, len(text))
    return View("".join(pieces), text, tuple(starts), tuple(origins))


_ONE_TO_ONE = {ord(k): v for k, v in _LOOKALIKE.items() if len(v) == 1}


@dataclass(frozen=True)
class Canonical:
    original: str
    clean: View
    folded: View

    @property
    def letters(self) -> str:
        """`clean.text` with lookalike letters folded, same offsets (see above)."""
        text = self.clean.text
        return text if text.isascii() else text.translate(_ONE_TO_ONE)


def canonical(text: str) -> Canonical:
    return Canonical(text, _build(text, _clean_char, False), _build(text, _folded_char, True))


def fold_word(text: str) -> str:
    """The `folded` form of a short string such as a configured term."""
    return _build(text, _folded_char, True).text


def skeleton(text: str) -> str:
    """TR39-style skeleton of a host or word: lookalikes folded, lower case,
    and the classic Latin lookalikes ("rn" for "m", "vv" for "w") merged."""
    folded = fold_word(text)
    return folded.replace("rn", "m").replace("vv", "w").replace("0", "o").replace("1", "l").replace("I", "l")
