"""Words of a reply as the term lists see them, whatever disguise they wear.

A reply's `clean` view is cut into tokens (letters, digits and the symbols
people use as letters: @ $ ! | + * €), CamelCase and hashtags are split into
words ("#ProjectFalcon" → "project falcon"), and each token gets two forms:

- `plain`: lower case, lookalikes and accents folded (see canonical.py);
- `key`: `plain` with leetspeak folded and the letters people swap for one
  another merged ("Fa1con", "fa|con" and "falcon" all become "faicon").

`Words.spaced` holds the tokens as written; `Words.merged` also joins tokens
split by inserted symbols ("r.e.f.u.n.d", "sh-it", "f_u_c_k") or spelled out
letter by letter ("r e f u n d"). A term is a substring test on these strings,
so each check is linear in the reply.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import regex

from bot.guardrails.canonical import View, fold_word

_TOKEN = re.compile(r"(?:[^\W_]|[@$!|+*€'’\u0300-\u036f])+")
_CAMEL = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "6": "g",
                       "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e", "l": "i"})
_HAS_LETTER = re.compile(r"[^\W\d_]")
# "A55", "S23": product codes (written in capitals), not leetspeak.
_MODEL_CODE = re.compile(r"[A-Z]{1,3}\d+")
# "14th", "9am", "5gb": a number with its unit, not leetspeak.
_MEASURE = re.compile(r"\d+(?:st|nd|rd|th|am|pm|h|hr|hrs|min|mins|s|k|m|x|gb|mb|tb|kg|g|km|ml|p|mm|cm|d)")
_EDGE_SYMBOLS = "'’!*+|"
# A gap between tokens that is only symbols (no space) is an inserted symbol.
_TRAILING_NUMBER = re.compile(r"([^\W\d_]{3,})(\d{3,})$")
_SOFT_GAP = re.compile(r"[^\s\w'’]{1,2}|_{1,2}")


class Token(NamedTuple):
    start: int  # in the clean view
    end: int
    plain: str
    key: str


@lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[str, str]:
    plain = fold_word(word).replace("’", "'")
    letters = plain.replace("'", "")
    if _HAS_LETTER.search(letters) and not _MEASURE.fullmatch(letters) and not _MODEL_CODE.fullmatch(word):
        return plain, letters.translate(_LEET).replace("*", "")
    return plain, letters.replace("l", "i")


def key_of(term: str) -> str:
    """" w1 w2 " keys of a configured term, as `Words.spaced_keys` writes them."""
    return " " + " ".join(t.key for t in tokenize(term)) + " "


@lru_cache(maxsize=65536)
def _split(word: str) -> tuple[tuple[int, int, str, str], ...]:
    """(offset, length, plain, key) of each word inside one token as matched."""
    start = 0
    if not word.isalnum():
        stripped = word.lstrip(_EDGE_SYMBOLS)
        start = len(word) - len(stripped)
        word = stripped.rstrip(_EDGE_SYMBOLS)
        if not word:
            return ()
    # A word that starts with a digit is a number or an ordinal ("14tH"), never CamelCase.
    if word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower()) or word[0].isdigit():
        parts = [word]
    else:
        parts = _CAMEL.split(word)
        if 2 * sum(len(p) <= 2 for p in parts) > len(parts):
            parts = [word]  # "rEfUnD", "DoWn": one word in mixed case, not CamelCase
    out = []
    if _TRAILING_NUMBER.match(parts[-1]):  # "#Falcon2026": a word and a year, not leetspeak
        parts[-1:] = _TRAILING_NUMBER.match(parts[-1]).groups()
    for part in parts:
        plain, key = _forms(part)
        if key:
            out.append((start, len(part), plain, key))
        start += len(part)
    return tuple(out)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        at = m.start()
        out.extend(Token(at + offset, at + offset + size, plain, key) for offset, size, plain, key in _split(m.group()))
    return out


def _soft(text: str, left: Token, right: Token) -> bool:
    if left.end == right.start:
        return True
    if right.start - left.end > 2:
        return False
    return bool(_SOFT_GAP.fullmatch(text, left.end, right.start))


def merge(text: str, tokens: list[Token], split_article: bool = False) -> list[Token]:
    """Join tokens split by inserted symbols, and runs of 3+ single letters
    split by spaces, into the words they spell."""
    out: list[Token] = []
    i = 0
    count = len(tokens)
    while i < count:
        j = i + 1
        if j < count and len(tokens[i].key) > 1 and not _soft(text, tokens[i], tokens[j]):
            out.append(tokens[i])  # the usual case: a word followed by a space
            i = j
            continue
        if len(tokens[i].key) == 1:
            while j < count and len(tokens[j].key) == 1 and tokens[j].key.isalpha() and j - i < 40 and \
                    (tokens[j].start - tokens[j - 1].end) <= 2:
                j += 1
            if j - i < 3 or not tokens[i].key.isalpha():
                j = i + 1
            elif split_article and tokens[i].plain in ("a", "i", "u") and j - i >= 4:
                # "a m i s t a k e": the first letter may be the word "a" (see Words.merged_alt).
                out.append(tokens[i])
                i += 1
        if j == i + 1:
            while j < count and j - i < 40 and _soft(text, tokens[j - 1], tokens[j]) and \
                    (not tokens[j - 1].key.isdigit() or not tokens[j].key.isdigit()):
                j += 1
        group = tokens[i:j]
        if len(group) == 1:
            out.append(group[0])
        else:
            out.append(Token(group[0].start, group[-1].end, "".join(t.plain for t in group),
                             "".join(t.key for t in group)))
        i = j
    return out


# Where merging could change anything: a symbol or underscore between two
# letters, or three single letters in a row.
_LEET_HINT = re.compile(r"(?i)[a-z][0-9@$!|+€*]|[0-9@$!|+€][a-z]")
_MERGE_HINT = re.compile(r"[^\W\d_](?:[^\s\w'’]{1,2}|_{1,2})[^\W\d_]|(?<!\w)\w\s{1,2}\w\s{1,2}\w(?!\w)")


class Words:
    """The reply's words in the forms the term checks search. The token
    lists (with offsets) are built only when a match must be quoted."""

    def __init__(self, clean: View) -> None:
        self.view = clean
        parts: list[tuple[int, int, str, str]] = []
        camel = False
        for word in _TOKEN.findall(clean.text):
            split = _split(word)
            camel = camel or len(split) > 1
            parts.extend(split)
        self.split_camel = camel  # some word was CamelCase or a hashtag of several words
        self.spaced_plain = " " + " ".join(p[2] for p in parts) + " "
        self.spaced_keys = " " + " ".join(p[3] for p in parts) + " "
        self._tokens: list[Token] | None = None
        self._merged: list[Token] | None = None
        self._alt: list[Token] | None = None
        self.alt_keys = ""  # merged_keys with "a", "i" or "u" read as a word before spelled-out letters
        self.joined_plain = ""
        if camel or _MERGE_HINT.search(clean.text):
            self._merged = merge(clean.text, self.tokens)
            plain = {(t.start, t.end) for t in self.tokens}
            self.joined_plain = " ".join(t.plain for t in self._merged if (t.start, t.end) not in plain)
            self.merged_plain = " " + " ".join(t.plain for t in self._merged) + " "
            self.merged_keys = " " + " ".join(t.key for t in self._merged) + " "
            alt = merge(clean.text, self.tokens, split_article=True)
            if len(alt) != len(self._merged):
                self._alt = alt
                self.alt_keys = " " + " ".join(t.key for t in alt) + " "
                self.joined_plain += " " + " ".join(t.plain for t in alt if (t.start, t.end) not in plain)
        else:
            self.merged_plain, self.merged_keys = self.spaced_plain, self.spaced_keys
        # Keys of words that wear digits or symbols ("sh1t", "fa1con"): worth a second profanity look.
        self.leet = bool(_LEET_HINT.search(clean.text))

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokenize(self.view.text)
        return self._tokens

    @property
    def merged(self) -> list[Token]:
        return self._merged if self._merged is not None else self.tokens

    def key_strings(self) -> list[tuple[str, list[Token] | None]]:
        """Each distinct key string with its tokens (None: `self.tokens`, built on demand)."""
        found: list[tuple[str, list[Token] | None]] = [(self.spaced_keys, None)]
        if self._merged is not None:
            found.append((self.merged_keys, self._merged))
        if self._alt is not None:
            found.append((self.alt_keys, self._alt))
        return found

    def locate(self, tokens: list[Token], index: int, count: int) -> tuple[int, str]:
        """Original start and text of `count` tokens from `index`."""
        first, last = tokens[index], tokens[max(min(index + count, len(tokens)) - 1, index)]
        start, end = self.view.span(first.start, last.end)
        return start, self.view.original[start:end]

    def find_key(self, needle: str) -> tuple[int, str] | None:
        """Where `needle` (a " k1 k2 " key) first occurs in the original, and
        as what text; None if nowhere."""
        found = []
        for keys, tokens in self.key_strings():
            at = keys.find(needle)
            if at >= 0:
                index = keys.count(" ", 0, at)
                found.append(self.locate(tokens if tokens is not None else self.tokens, index,
                                         max(needle.count(" ") - 1, 1)))
        return min(found) if found else None
