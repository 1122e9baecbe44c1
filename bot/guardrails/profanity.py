"""Profanity: whole words from the Surge AI list (data/surge_profanity_en.csv)
and the LDNOOBW list (data/ldnoobw_en.txt; its entries not in the Surge list
count as mild), tolerant of simple disguises but not of Scunthorpe-style
substrings. The checker also feeds it the reply's canonical words, so
lookalike letters, invisible characters, inserted symbols and CamelCase are
undone before this matching.

How a text is compared with the list:
- Both are split into words and lower-cased; accents are dropped (fück → fuck).
- Inside a word that has letters, look-alike symbols become letters
  (sh1t, $hit, f@g, sh!t). Product codes such as "A55" or "S23" are left alone.
- A "*" inside a word stands for exactly one letter (f*ck, a**hole).
- Repeated letters are folded only when a letter appears three or more times in
  a row (fuuuck, shiiit). A doubled letter is ordinary spelling, so "sheet" is
  not "shet" and "as" is not "ass".
- Matches must start and end on word boundaries, so "Scunthorpe", "assessment",
  "class", "cocktail" and "Dickens" are clean.
"""
from __future__ import annotations

import csv
import re
from bisect import bisect_left
import unicodedata
from dataclasses import dataclass
from importlib import resources
from itertools import groupby

import ahocorasick
import regex

LEVELS = {"Mild": 1, "Strong": 2, "Severe": 3}
_TOKEN = re.compile(r"(?:[^\W_]|[@$!+*])+")
_LEET = str.maketrans("013457@$!+", "oieastasit")
_MODEL_CODE = re.compile(r"[a-z]{1,3}\d+")  # "a55", "s23": product codes, not leetspeak
_HAS_LETTER = re.compile(r"[a-z]")
_RUNS = re.compile(r"([a-z])\1+")
_SPACE = re.compile(" ")
_MARKS = regex.compile(r"\p{Mn}+")


@dataclass(frozen=True)
class Hit:
    word: str  # as written in the text (lower-cased)
    term: str  # the list entry it matched
    level: int  # 1 mild, 2 strong, 3 severe


def _fold(text: str) -> str:
    """Lower-case and drop accents; compatibility forms (full-width ！) become plain."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).lower()


def _normalise_word(word: str) -> str:
    if word.isalpha():
        return word
    word = word.strip("!")  # "shit!!" ends in punctuation, not in letters
    if len(word) > 2 and word[0] == "*" and word[-1] == "*":
        word = word.strip("*")  # *emphasis*
    if not word:
        return "_"
    if _HAS_LETTER.search(word) and not _MODEL_CODE.fullmatch(word):
        word = word.translate(_LEET)
    return word


def _words(text: str) -> tuple[list[str], list[str]]:
    raw = _TOKEN.findall(_fold(text))
    return raw, [_normalise_word(w) for w in raw]


def _runs(text: str) -> tuple[int, ...]:
    return tuple(len(list(group)) for _, group in groupby(text))


def _runs_fit(found: tuple[int, ...], listed: tuple[int, ...]) -> bool:
    # Equal, or stretched to 3+ on purpose ("shiiit"); a plain double letter is spelling.
    return len(found) == len(listed) and all(
        f == n or (f > n and f >= 3) for f, n in zip(found, listed)
    )


def with_joined(entries: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The entries, and each phrase also written without its spaces ("assbandit")."""
    return entries + [(term.replace(" ", ""), level) for term, level in entries if " " in term.strip()]


def read_list() -> list[tuple[str, int]]:
    data = resources.files("bot.guardrails") / "data"
    excluded = {
        line.strip().casefold()
        for line in (data / "profanity_exclusions.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    with (data / "surge_profanity_en.csv").open(encoding="utf-8", newline="") as handle:
        entries = [
            (row["text"], LEVELS[row["severity_description"]])
            for row in csv.DictReader(handle)
            if row["text"].strip().casefold() not in excluded
        ]
    known = {term.casefold() for term, _ in entries}
    for line in (data / "ldnoobw_en.txt").read_text(encoding="utf-8").splitlines():
        term = line.strip()
        if term and term.casefold() not in known and term.casefold() not in excluded:
            entries.append((term, LEVELS["Mild"]))
    return entries


class ProfanityMatcher:
    """Built once; `scan` costs one Aho-Corasick pass over the folded text."""

    def __init__(self, entries: list[tuple[str, int]] | None = None) -> None:
        self._automaton = ahocorasick.Automaton()
        self._by_length: dict[int, list[tuple[str, int, str]]] = {}
        keyed: dict[str, list[tuple[tuple[int, ...], int, str]]] = {}
        for term, level in entries if entries is not None else with_joined(read_list()):
            _, words = _words(term)
            if not words or any("*" in w for w in words):
                continue  # "c*nt" is covered by the wildcard rule
            joined = " ".join(words)
            keyed.setdefault(_squeeze(joined), []).append((_runs(joined), level, term))
            if len(words) == 1 and joined.isalpha():
                self._by_length.setdefault(len(joined), []).append((joined, level, term))
        for key, candidates in keyed.items():
            # The key is padded with spaces so only whole words can match.
            self._automaton.add_word(key, (len(key), key.count(" ") - 1, candidates))
        self._ready = bool(keyed)
        if self._ready:
            self._automaton.make_automaton()

    def scan(self, text: str) -> list[Hit]:
        raw, words = _words(text)
        if not words or not self._ready:
            return []
        hay = _squeeze(" ".join(words))
        found: dict[tuple[int, int], Hit] = {}
        spaces: list[int] | None = None
        for end, (key_len, count, candidates) in self._automaton.iter(hay):
            if spaces is None:  # word index by bisection: counting spaces per hit would be quadratic
                spaces = [m.start() for m in _SPACE.finditer(hay)]
            first = bisect_left(spaces, end - key_len + 2) - 1
            runs = _runs(" ".join(words[first:first + count]))
            levels = [(level, term) for listed, level, term in candidates if _runs_fit(runs, listed)]
            if levels:
                level, term = max(levels)
                found[(first, count)] = Hit(" ".join(raw[first:first + count]), term, level)
        for index, word in enumerate(words):
            if "*" in word:
                hit = self._wildcard(word, raw[index])
                if hit:
                    found[(index, 1)] = hit
        # "son of a bitch" already covers the "bitch" inside it.
        spans = sorted(found, key=lambda k: (k[0], -k[1]))
        kept: list[tuple[int, int]] = []
        for first, count in spans:
            if not kept or first + count > kept[-1][0] + kept[-1][1]:
                kept.append((first, count))
        return [found[k] for k in kept]

    def _wildcard(self, word: str, written: str) -> Hit | None:
        # Rare (only words with "*"), so a scan of the same-length entries is enough.
        stars = word.count("*")
        if len(word) - stars < 2 or stars > len(word) - stars:
            return None  # "f***" or "***" says too little to judge
        pattern = re.compile("".join("[a-z]" if c == "*" else re.escape(c) for c in word))
        levels = [(level, term) for listed, level, term in self._by_length.get(len(word), ())
                  if pattern.fullmatch(listed)]
        if not levels:
            return None
        level, term = max(levels)
        return Hit(written, term, level)


def _squeeze(joined: str) -> str:
    return " " + _RUNS.sub(r"\1", joined) + " "
