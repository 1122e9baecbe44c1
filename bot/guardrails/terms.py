"""Word lists from the guidelines: confidential terms, banned terms and
escalation promise stems, matched on the reply's words in every disguise
that words.py undoes ("ProjectFalcon", "#ProjectFalcon", "Project Fa1con",
"P.r.o.j.e.c.t Falcon", lookalike letters, invisible characters)."""
from __future__ import annotations

import unicodedata

from bot.guardrails.words import Words, key_of

# How a promise finding describes the default escalation stems to a person.
PROMISE_LABELS = {
    "refund": "promises a refund",
    "reimburse": "promises a reimbursement",
    "compensat": "promises compensation",
    "free of charge": "promises something free of charge",
    "we admit": "admits fault",
    "our fault": "admits fault",
    "we are liable": "admits liability",
    "legally": "makes a legal statement",
    "guarantee": "gives a guarantee",
}


# "Project Falcon": the codename after a generic first word is confidential on its own too.
CODENAME_PREFIXES = ("project", "operation", "codename", "code name", "initiative", "program", "programme")


class TermMatcher:
    """Case-insensitive whole words and phrases. With `stems`, a term also
    matches longer words ("refund" matches "refunded", "compensat" "compensation").
    A term without letters or digits ("💩", "$$$") matches anywhere in the text."""

    def __init__(self, terms: list[str], *, stems: bool = False, codenames: bool = False) -> None:
        self._needles: list[tuple[tuple[str, ...], str]] = []
        self._symbols: list[tuple[str, str]] = []
        for term in (t.strip() for t in terms):
            spaced = key_of(term)
            if spaced.strip():
                needles = [spaced]
                joined = " " + spaced.replace(" ", "") + " "
                if joined != spaced:  # "Project Falcon" is also written "ProjectFalcon"
                    needles.append(joined)
                if stems:
                    needles = [n[:-1] for n in needles]
                if codenames:
                    needles += _codename(term)
                    needles += [split for n in needles for split in _split_once(n)]
                self._needles.append((tuple(needles), term))
            elif term:
                self._symbols.append((term.casefold(), term))

    def find(self, words: Words, folded: str) -> list[tuple[str, str]]:
        """(term, as written) for each configured term found, in order of
        appearance; `folded` is the reply's folded view, for symbol terms."""
        hits = []
        for needles, term in self._needles:
            places = [p for p in map(words.find_key, needles) if p is not None]
            if places:
                at, written = min(places)
                hits.append((at, term, written))
        hits += [(-1, term, term) for needle, term in self._symbols if needle in folded]
        return [(term, written) for _, term, written in sorted(hits)]


def _split_once(needle: str) -> list[str]:
    """" night jar " for " nightjar ": a one-word codename broken by a space, each piece two letters or more."""
    word = needle.strip()
    if " " in word or len(word) < 6:
        return []
    return [f" {word[:i]} {word[i:]} " for i in range(2, len(word) - 1)]


def _codename(term: str) -> list[str]:
    lowered = term.strip().lower()
    for prefix in CODENAME_PREFIXES:
        rest = lowered[len(prefix):].strip()
        if lowered.startswith(prefix + " ") and len(rest) >= 4:
            key = key_of(rest)
            return [key] + ([" " + key.replace(" ", "") + " "] if key.count(" ") > 2 else [])
    return []


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def quoted(values: list[str], limit: int = 5) -> str:
    shown = [f"“{v}”" for v in unique(values)]
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")


_HIDDEN = {"Cf", "Cc", "Co", "Cn"}  # format (zero-width, bidi), control, private use, unassigned


def shown(text: str, plain: bool = False) -> str:
    """`text` with its invisible characters named ("sh⟨U+200B⟩it"), and, when
    the listed term is `plain` ASCII, its lookalike letters too ("fu⟨CYRILLIC
    SMALL LETTER ES⟩king"): an approver must see how a word was disguised."""
    if text.isascii():
        return text
    out = []
    for c in text:
        if unicodedata.category(c) in _HIDDEN:
            out.append(f"⟨U+{ord(c):04X}⟩")
        elif plain and not c.isascii() and c.isalpha():
            out.append(f"{c}⟨{unicodedata.name(c, f'U+{ord(c):04X}')}⟩")
        else:
            out.append(c)
    return "".join(out)


def written_as(hits: list[tuple[str, str]]) -> str:
    """“Project Falcon” (written “ProjectFa1con”) — the term, and the text when it differs."""
    parts = []
    for term, written in dict.fromkeys(hits):
        same = " ".join(written.split()).casefold() == term.casefold()
        parts.append(f"“{term}”" if same else f"“{term}” (written “{shown(written, term.isascii())}”)")
    parts = list(dict.fromkeys(parts))
    return ", ".join(parts[:5]) + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")


def promise_summary(found: list[str]) -> str:
    return summarise([PROMISE_LABELS.get(term.lower(), f"says “{term}”") for term in found])


def summarise(labels: list[str]) -> str:
    """"Admits fault, gives a guarantee and promises a refund"."""
    labels = unique(labels)
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return text[0].upper() + text[1:]
