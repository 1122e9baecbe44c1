"""`check` must never raise, whatever text, network or mention it is given."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shared_data import shared_data
from bot.config.workspace import Guidelines
from bot.guardrails import RULE_ORDER, Guardrails
from bot.types import NETWORK_PATTERN
from tests.guardrails.sample import make_customer

INJECTIONS = shared_data("injections/garak_injections.jsonl")
GUARD = Guardrails(
    Guidelines(confidential_terms=["Project Falcon"], banned_terms=["cheap"], link_allowlist=["acme.com"],
               sign_off=r"\^[A-Z]{2}$"),
    {"x": "acme", "mastodon": "@acme@mastodon.social"},
)
PIECES = [
    "@", ".", "http://", "https://", "www.", "com", "1", "4111", "555", "-", " ", "\n", "f*ck", "sh1t", "é",
    "\u0301", "\u200d", "👨‍👩‍👧", "🇺🇦", "+", "(", ")", "[at]", " dot ", "#", "$", "字", "Street", "refund",
    "Project Falcon", "^JO", "\r\n", "\x00", "\ud7ff", "ǅ", "ﬀ", "İ",
]
tricky_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
networks = st.sampled_from(["x", "bluesky", "mastodon", "reddit", "threads"]) | st.from_regex(NETWORK_PATTERN,
                                                                                               fullmatch=True)


def assert_well_formed(findings) -> None:
    for finding in findings:
        assert finding.rule in RULE_ORDER and finding.severity in ("block", "warn") and finding.reason
    ranks = [(f.severity != "block", RULE_ORDER.index(f.rule)) for f in findings]
    assert ranks == sorted(ranks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text() | tricky_text, network=networks, mention=st.none() | st.text() | tricky_text,
       with_customer=st.booleans(), author=st.none() | st.text(max_size=30))
def test_check_never_raises(text, network, mention, with_customer, author):
    customer = make_customer() if with_customer else None
    findings = GUARD.check(text, network, customer=customer, mention_text=mention, author_handle=author)
    assert_well_formed(findings)


def _injections() -> list[str]:
    if INJECTIONS is None:
        pytest.skip("SKIPPED LOUDLY: ../shared/data/injections is missing, so the 736 injection strings were not checked")
    lines = INJECTIONS.read_text(encoding="utf-8").split("\n")  # not splitlines(): texts hold U+2028
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _has_long_sentence(text: str) -> bool:
    return any(len(re.findall(r"\w+(?:['’]\w+)*", part)) >= 8 for part in re.split(r"[.!?;\n]", text))


def test_injection_strings_never_crash_and_echo_is_caught():
    texts = _injections()
    assert len(texts) == 736
    for text in texts:
        for network in ("x", "bluesky", "mastodon"):
            assert_well_formed(GUARD.check(text, network, customer=make_customer()))
        # A reply that simply repeats the post must be flagged whenever the post has a long sentence.
        echoed = GUARD.check(text, "reddit", mention_text=text)
        assert_well_formed(echoed)
        assert any(f.rule == "mention_echo" for f in echoed) == _has_long_sentence(text), text[:80]
