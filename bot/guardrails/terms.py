"""Word lists from the guidelines: confidential terms, banned terms and
escalation promises. The reply is reduced once to its words, so each term is
one substring test."""
from __future__ import annotations

import re

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


_WORD = re.compile(r"[^\W_]+")


def word_string(text: str) -> str:
    """The text as lower-case words between single spaces, so a phrase test is a
    substring test: punctuation, hyphens and line breaks all count as spaces."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


class TermMatcher:
    """Case-insensitive whole words and phrases. With `stems`, a term also
    matches longer words ("refund" matches "refunded", "compensat" "compensation").
    A term without letters or digits ("💩", "$$$") matches anywhere in the text."""

    def __init__(self, terms: list[str], *, stems: bool = False) -> None:
        self._needles: list[tuple[str, str]] = []
        self._symbols: list[tuple[str, str]] = []
        for term in (t.strip() for t in terms):
            words = word_string(term)
            if words.strip():
                self._needles.append((words[:-1] if stems else words, term))
            elif term:
                self._symbols.append((term.casefold(), term))

    def find(self, text: str, words: str) -> list[str]:
        """The configured terms found, in order of appearance; `words` is `word_string(text)`."""
        hits = [(words.find(needle), term) for needle, term in self._needles if needle in words]
        if self._symbols:
            folded = text.casefold()
            hits += [(-1, term) for needle, term in self._symbols if needle in folded]
        return [term for _, term in sorted(hits)]


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def quoted(values: list[str], limit: int = 5) -> str:
    shown = [f"“{v}”" for v in unique(values)]
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")


def promise_summary(found: list[str]) -> str:
    labels = unique([PROMISE_LABELS.get(term.lower(), f"says “{term}”") for term in found])
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return text[0].upper() + text[1:]
