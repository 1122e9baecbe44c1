import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake.normalize import REMOVED_CHARACTERS, normalize

EMOJI = ["😀", "👍🏽", "👩\u200d💻", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "❤️\u200d🔥", "1️⃣", "🇫🇷",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "🧑🏿\u200d🦰", "☕", "✔️"]
JUNK = sorted(REMOVED_CHARACTERS | {"\u200d", "\U000e0041", "\r", "\x0b", "\u2028", "\u3000", "\xa0"})


def test_removes_invisible_characters_that_split_words():
    assert normalize("ref\u200bund") == "refund"
    assert normalize("re\u00adfund\u2060!") == "refund!"
    assert normalize("\ufeffhello \u202ebidi\u202c \u2066x\u2069") == "hello bidi x"


def test_joiner_survives_only_between_emoji():
    assert normalize("👩\u200d💻 coder") == "👩\u200d💻 coder"
    assert normalize("a\u200db") == "ab"
    assert normalize("👩\u200d b") == "👩 b"
    assert normalize("🏳️\u200d🌈") == "🏳️\u200d🌈"  # a variation selector sits before the joiner


def test_tag_characters_only_inside_flag_sequences():
    scotland = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert normalize(f"go {scotland}!") == f"go {scotland}!"
    assert normalize("hi\U000e0069\U000e0067\U000e006e") == "hi"  # hidden "ign" text is dropped


def test_controls_go_and_whitespace_collapses():
    assert normalize("  a\x00b\r\n\tc \x1c d\x85e\u3000f  ") == "ab c d e f"
    assert normalize("x\ud800y") == "xy"  # lone surrogate from a JSON escape


def test_nfc_after_removal_composes_accents():
    assert normalize("cafe\u200b\u0301") == "caf\u00e9"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(JUNK + EMOJI)), max_size=40).map("".join))
def test_properties(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert not (set(once) & REMOVED_CHARACTERS)
    assert once == once.strip() and "  " not in once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EMOJI), st.from_regex(r"[A-Za-zéß]{1,8}", fullmatch=True)),
                min_size=1, max_size=12),
       st.lists(st.sampled_from([" ", "\u200b", "\n", "  ", "\u200c"]), min_size=12, max_size=12))
def test_every_emoji_in_words_and_emoji_survives(parts, separators):
    text = "".join(p + s for p, s in zip(parts, separators))
    out = normalize(text)
    for part in parts:
        if part in EMOJI:
            assert part in out
