from __future__ import annotations

import pytest

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails
from bot.guardrails.profanity import ProfanityMatcher
from tests.guardrails.sample import only


@pytest.mark.parametrize("text, word", [
    ("What the f*ck is this", "f*ck"),
    ("FUUUUCK this queue", "fuuuuck"),
    ("you are an @sshole", "@sshole"),
    ("motherfucker", "motherfucker"),
    ("ｆｕｃｋ off", "fuck off"),  # full-width letters
    ("fück", "fuck"),  # accents are dropped before matching
    ("what a c*nt", "c*nt"),
    ("a**hole", "a**hole"),
])
def test_strong_words_block(guard, text, word):
    found = only(guard.check(text, "x"), "profanity")
    assert [f.severity for f in found] == ["block"]
    assert f"“{word}”" in found[0].reason


@pytest.mark.parametrize("text", ["sh1t happens", "shiiiit", "$hit", "Sh!t!!", "bullshit", "you dumbass"])
def test_mild_words_warn(guard, text):
    found = only(guard.check(text, "x"), "profanity")
    assert [f.severity for f in found] == ["warn"]
    assert "mildly rude" in found[0].reason


@pytest.mark.parametrize("text", [
    "Scunthorpe", "The assessment is done", "Our business class lounge", "A cocktail on us",
    "We love Dickens", "Penistone and Middlesex", "a sheet of paper", "the Galaxy A55 is in stock",
    "as you said", "passes and glasses", "*really* sorry", "Peter from our team", "grab a garden hoe",
    "Shiitake mushrooms", "the hell-raiser cocktail", "Cockburn Street", "Butterfield is a class act",
])
def test_clean_words_pass(guard, text):
    assert only(guard.check(text, "x"), "profanity") == []


def test_phrase_covers_the_word_inside_it(guard):
    found = only(guard.check("son of a bitch", "x"), "profanity")
    assert len(found) == 1 and found[0].reason.count("“") == 1


def test_guidelines_can_soften_strong_words_to_warn():
    soft = Guardrails(Guidelines(profanity="warn"))
    assert [f.severity for f in only(soft.check("fuck", "x"), "profanity")] == ["warn"]


def test_repeats_need_three_letters_and_wildcards_one_letter_each():
    matcher = ProfanityMatcher([("shet", 2), ("ass", 1), ("fuck", 2), ("god damn", 2)])
    assert [h.term for h in matcher.scan("shet sheeet")] == ["shet", "shet"]
    assert matcher.scan("sheet") == []  # a doubled letter is spelling
    assert matcher.scan("as") == [] and [h.term for h in matcher.scan("asss")] == ["ass"]
    assert [h.term for h in matcher.scan("f*ck")] == ["fuck"]
    assert matcher.scan("f**ck") == []  # two stars are two letters: "f??ck" is five letters
    assert matcher.scan("***") == [] and matcher.scan("f***") == []
    assert [h.word for h in matcher.scan("GOD-DAMN it")] == ["god damn"]


def test_empty_list_matches_nothing():
    assert ProfanityMatcher([]).scan("anything at all") == []
