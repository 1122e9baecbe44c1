from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails
from bot.guardrails.length import graphemes, x_length
from tests.guardrails.sample import only

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # one emoji, 7 code points
FLAG = "\U0001F1FA\U0001F1E6"
E_ACUTE = "e\u0301"  # "é" as a letter plus a combining accent


def length_reasons(guard: Guardrails, text: str, network: str) -> list[str]:
    return [f.reason for f in only(guard.check(text, network), "length")]


def test_x_counts_code_points_up_to_280(guard):
    assert length_reasons(guard, "a" * 280, "x") == []
    reasons = length_reasons(guard, "a" * 312, "x")
    assert len(reasons) == 1 and reasons[0].startswith("312/280 characters on X")


def test_x_counts_every_link_as_23(guard):
    url = "https://example.com/" + "x" * 100
    assert x_length("see " + url, [(4, 4 + len(url))]) == 4 + 23
    assert length_reasons(guard, "a" * 256 + " " + url, "x") == []  # 257 + 23 = 280
    assert length_reasons(guard, "a" * 257 + " " + url, "x")[0].startswith("281/280")
    assert length_reasons(guard, "a" * 257 + " example.com/" + "p" * 50, "x")[0].startswith("281/280")


def test_x_weighs_cjk_and_emoji_as_two(guard):
    assert length_reasons(guard, "字" * 140, "x") == []
    assert length_reasons(guard, "字" * 141, "x")[0].startswith("282/280")
    assert x_length(FAMILY, []) == 2 and x_length(FLAG, []) == 2
    assert x_length("café", []) == 4 and x_length("cafe\u0301", []) == 4  # NFC first, Latin counts 1


def test_bluesky_counts_graphemes(guard):
    assert length_reasons(guard, "🙂" * 300, "bluesky") == []
    assert length_reasons(guard, "🙂" * 301, "bluesky")[0].startswith("301/300 characters")
    assert length_reasons(guard, E_ACUTE * 300, "bluesky") == []
    assert length_reasons(guard, E_ACUTE * 301, "bluesky")[0].startswith("301/300")
    assert length_reasons(guard, "a\r\n" * 150, "bluesky") == []  # CR LF is one grapheme


def test_mastodon_counts_code_points():
    # The default leaves room for the "@author " the publisher adds; here the plain 500.
    guard = Guardrails(Guidelines(length_limits={"mastodon": 500}))
    assert length_reasons(guard, "é" * 500, "mastodon") == []
    assert length_reasons(guard, E_ACUTE * 250, "mastodon") == []
    assert length_reasons(guard, E_ACUTE * 251, "mastodon")[0].startswith("502/500 characters on Mastodon")


def test_guidelines_limits_override_defaults_and_unknown_networks_are_unlimited():
    guard = Guardrails(Guidelines(length_limits={"x": 100, "webhook": 10}))
    assert length_reasons(guard, "a" * 101, "x")[0].startswith("101/100 characters on X")
    assert length_reasons(guard, "a" * 301, "bluesky")[0].startswith("301/300")  # default kept
    assert length_reasons(guard, "a" * 11, "webhook")[0].startswith("11/10 characters on webhook")
    assert length_reasons(guard, "a" * 5000, "forum") == []


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon"])
def test_length_is_a_block(guard, network):
    assert [f.severity for f in only(guard.check("a" * 600, network), "length")] == ["block"]


GRAPHEME_PIECES = ["a", " ", "\r", "\n", "\r\n", E_ACUTE, "\u0301", "\u200d", FAMILY, FLAG, "\U0001F1FA",
                   "1\ufe0f\u20e3", "\u0600", "1", "字", "ก\u0e33", "\u1100\u1161\u11a8", "é"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(GRAPHEME_PIECES), max_size=40).map("".join) | st.text())
def test_grapheme_count_matches_a_full_scan(text):
    # graphemes() scans only the non-ASCII stretches; it must agree with \X over everything.
    assert graphemes(text) == len(regex.findall(r"\X", text))


def test_bluesky_refuses_more_than_3000_bytes_however_few_graphemes(guard):
    # A family emoji is one grapheme but 25 bytes: 120 of them are exactly 3,000 bytes.
    assert length_reasons(guard, FAMILY * 120, "bluesky") == []
    assert length_reasons(guard, FAMILY * 121, "bluesky")[0].startswith("3,025/3,000 bytes on Bluesky")
    assert length_reasons(guard, FAMILY * 150, "bluesky")[0].startswith("3,750/3,000 bytes on Bluesky")
