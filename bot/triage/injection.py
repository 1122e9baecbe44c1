"""Injection screening: the hand-written patterns (bot.intake.flags) and a
trained classifier, either of which is enough to flag a post.

The patterns catch the well-known shapes exactly ("ignore previous
instructions", chat-template tokens, "print the above instructions"); the
classifier (weights of words, word pairs and three- to five-letter pieces,
JSON, standard library only) catches wordings nobody wrote a pattern for: role-play jailbreaks,
hijacked tasks, payloads hidden in quoted content.
"""
from __future__ import annotations

import json
import math
import re
from itertools import repeat
from functools import lru_cache
from pathlib import Path

from bot.intake import flags as patterns
from bot.triage.features import CHAR_PREFIX, char_set, token_set

FORMAT = "rejoinder-injection/2"  # /1 read words only; /2 adds letter pieces
FORMATS = ("rejoinder-injection/1", FORMAT)
_ADDRESSES_AI = re.compile(
    r"\b(?:chat ?gpt|gpt-?\d*|openai|ai|llm|language model|chatbot|system prompt|persona"
    r"|role ?-?play|in character|jailbreak|dan|no (?:rules|limits|restrictions))\b", re.IGNORECASE)
DEFAULT_MODEL = Path(__file__).with_name("data") / "injection_model.json"


class InjectionModel:
    def __init__(self, spec: dict, source: str = "<memory>") -> None:
        if spec.get("format") not in FORMATS:
            raise ValueError(f"{source}: not an injection model file (format {spec.get('format')!r})")
        self.bias = float(spec["bias"])
        self.weights: dict[str, float] = {}
        self.char_weights: dict[str, float] = {}  # letter pieces, prefix stripped
        for key, value in spec["weights"].items():
            if key.startswith(CHAR_PREFIX):
                self.char_weights[key[len(CHAR_PREFIX):]] = float(value)
            else:
                self.weights[key] = float(value)
        self.threshold = float(spec.get("threshold", 0.5))
        self.threshold_addressed = float(spec.get("threshold_addressed", self.threshold))
        self.trained_on = spec.get("trained_on", "")

    def score(self, text: str) -> float:
        w = self.weights
        logit = self.bias + sum(map(w.get, token_set(text), repeat(0.0)))
        if self.char_weights:
            logit += sum(map(self.char_weights.get, char_set(text), repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -30 else 0.0

    def flags(self, text: str) -> bool:
        """A post that talks to or about an AI (its prompt, its persona…) needs
        less evidence: customers rarely write that way."""
        score = self.score(text)
        if score >= self.threshold:
            return True
        return score >= self.threshold_addressed and _ADDRESSES_AI.search(text) is not None


@lru_cache(maxsize=1)
def shipped() -> InjectionModel:
    return InjectionModel(json.loads(DEFAULT_MODEL.read_text(encoding="utf-8")), str(DEFAULT_MODEL))


def suspected(text: str, seen: int | None = None) -> bool:
    """True when a pattern or the classifier says `text` tries to steer the drafter."""
    return patterns.injection_suspected(text, seen) or shipped().flags(text)


def why(text: str) -> str | None:
    """Which screen fired, for people reviewing a flag: 'pattern', 'classifier' or None."""
    if patterns.injection_suspected(text):
        return "pattern"
    return "classifier" if shipped().flags(text) else None
