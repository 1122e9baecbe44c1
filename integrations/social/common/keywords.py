"""Whole-word keyword matching shared by the polling sources."""
from __future__ import annotations

import re
from collections.abc import Iterable


class KeywordMatcher:
    """Matches any keyword as a whole word, ignoring case; no keywords: everything.

    "Whole word" means no letter, digit or underscore right before or after, so
    `acme` matches "ACME!" and "#acme" but not "acmes" or "notacme".
    """

    def __init__(self, keywords: Iterable[str] | None) -> None:
        words = sorted({k.strip() for k in keywords or () if k and k.strip()}, key=len, reverse=True)
        self.keywords = tuple(words)
        self._pattern = (re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)
                         if words else None)

    def matches(self, text: str) -> bool:
        return self._pattern is None or self._pattern.search(text) is not None
