"""The profanity model's fast scorer gives the package's own numbers."""
from __future__ import annotations

import pytest
from profanity_check import predict_prob

from importlib.metadata import version

from bot.guardrails.offensive import score, source

TEXTS = ["you are an idiot", "thanks for waiting, we fixed it", "this sucks", "", "what a load of garbage, loser",
         "Your order ships tomorrow!", "go to hell"]


def test_shipped_weights_come_from_the_installed_package():
    assert source() == f"alt-profanity-check {version('alt-profanity-check')}"


def test_scores_match_alt_profanity_check():
    for text, expected in zip(TEXTS, predict_prob(TEXTS)):
        assert score(text) == pytest.approx(float(expected), abs=1e-9), text


def test_insults_without_listed_words_warn(guard):
    found = [f for f in guard.check("You are a pathetic moron.", "x") if f.rule == "profanity"]
    assert found and found[0].severity == "warn" and "profanity model" in found[0].reason
