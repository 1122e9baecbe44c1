"""The leak check: a draft must not reveal what the drafter was told.

Two signs, either of which blocks:
- the deployment's canary, a secret marker placed in the drafter's system
  prompt and nowhere else, so any draft that carries it (even spaced out
  or in other case) came from a model that was steered into repeating its
  instructions;
- a long word-for-word span (SPAN_WORDS words) of the system prompt or of
  the usage guidelines, which replies must never quote.

The canary is derived from a secret (the model provider's key) with HMAC,
so it is stable for a deployment, unguessable from outside, and never
stored or logged. Findings never quote it.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from bot.types import Finding
from prompts import load_text

SPAN_WORDS = 10
_WORD = re.compile(r"[^\W_]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def canary_from_secret(secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), b"rejoinder drafter canary v1", hashlib.sha256).hexdigest()
    return f"RJ-{digest[:16].upper()}"


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _squashed(text: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _spans(text: str, n: int) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for part in _PLACEHOLDER.split(text):  # a span never runs across a filled-in value
        words = _words(part)
        out.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return out


class LeakCheck:
    def __init__(self, guidelines_text: str, canary: str | None = None, span_words: int = SPAN_WORDS) -> None:
        self.span_words = span_words
        self._canary = _squashed(canary) if canary else ""
        guidelines = guidelines_text.strip() or load_text("guidelines_default.md")
        self._spans = _spans(load_text("draft_system.md"), span_words) | _spans(guidelines, span_words)

    def __repr__(self) -> str:  # never show the canary
        return f"LeakCheck(spans={len(self._spans)}, canary={'set' if self._canary else 'unset'})"

    def check(self, text: str) -> Finding | None:
        if self._canary and self._canary in _squashed(text):
            return Finding("leak", "block", "Contains the drafter's secret marker: the model was steered into "
                                            "revealing its instructions, so nothing in this draft can be trusted. "
                                            "Write the reply yourself.")
        words = _words(text)
        n = self.span_words
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) in self._spans:
                return Finding("leak", "block", f"Repeats at least {n} words of the drafter's instructions or the "
                                                "usage guidelines word for word; replies must never reveal them.")
        return None
