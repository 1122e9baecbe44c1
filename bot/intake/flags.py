"""Patterns behind the enrichment flags, kept apart from the code that uses them.

Every pattern runs on normalized text (bot.intake.normalize), so invisible characters
cannot split a word. The injection patterns themselves are in
bot.intake.injection_patterns.
"""
from __future__ import annotations

import re

import ahocorasick

from bot.intake.injection_patterns import INJECTION_STRONG, INJECTION_WEAK

_I = re.IGNORECASE

# The injection patterns live in their own module; each comes with words one of
# which every match contains (see _WordScan below).
_INJECTION_STRONG = INJECTION_STRONG
_INJECTION_WEAK = INJECTION_WEAK

LEGAL_THREAT = re.compile(
    r"\b(?:lawyers?|attorneys?|solicitors?|barristers?|lawsuits?|law ?suits?|su(?:e|ed|ing)\b"
    r"|legal (?:action|proceedings|team|case)|class[- ]action|small[- ]claims"
    r"|see you in court|take you to court|taking you to court|court case|litigation"
    r"|cease and desist|trading standards|consumer protection)",
    _I,
)

SAFETY = re.compile(
    r"\b(?:injur(?:y|ies|ed)|hurt myself|fire|caught fire|on fire|burn(?:s|ed|t|ing)?|smok(?:e|ed|ing)"
    r"|explod(?:e|ed|es|ing)|explosion|chok(?:e|ed|es|ing)|hospital(?:i[sz]ed)?|emergency room|ambulance"
    r"|self[- ]harm|suicid(?:e|al)|kill myself|electrocuted|electric shock|sparks?|sparking"
    r"|overheat(?:s|ed|ing)?|melt(?:ed|ing)|poison(?:ed|ing)?|allergic reaction|bleeding|stitches"
    r"|broken (?:bone|arm|leg|wrist)|concussion|unsafe|dangerous|recall)\b",
    _I,
)

QUESTION_OPENERS = re.compile(
    r"(?:^|[.!?]\s+)(?:@\S+\s+)*(?:(?:how|what|why|where|who|whom|whose|which)\b"
    r"|(?:any idea|anyone know|does anyone|has anyone|is there|are there)\b"
    r"|(?:can|could|does|do|did|is|are|was|were|will|would|should|has|have)\s+"
    r"(?:you|i|we|they|he|she|it|anyone|someone|somebody|there|this|that|my|your|the|any|u)\b)",
    _I,
)

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", _I)
# International (+44 20 7946 0958), bracketed area code, 555-123-4567 or a
# trunk-prefixed national number (020 7946 0958); never part of a longer
# digit run, so order and card numbers are not phones.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"
    r"|\(\d{2,5}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}"
    r"|\d{3}[\s.-]\d{3}[\s.-]\d{4}"
    r"|0\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4})(?![\s.-]?\d)"
)
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


# Words, in lower case, one of which every match of LEGAL_THREAT or SAFETY
# contains: most posts contain none, and a word test is far cheaper than
# trying the pattern at every position. IGNORECASE also pairs i with "ı" and
# "İ" and s with "ſ", which lower() does not turn into i or s: text with one
# of those runs the pattern itself.
LEGAL_WORDS = (
    "lawyer", "attorney", "solicitor", "barrister", "lawsuit", "law suit", "sue", "suing", "legal ",
    "class-action", "class action", "small-claims", "small claims", "court", "litigation",
    "cease and desist", "trading standards", "consumer protection",
)
SAFETY_WORDS = (
    "injur", "hurt myself", "fire", "burn", "smok", "explod", "explosion", "chok", "hospital",
    "emergency room", "ambulance", "self-harm", "self harm", "suicid", "kill myself", "electrocuted",
    "electric shock", "spark", "overheat", "melt", "poison", "allergic reaction", "bleeding", "stitches",
    "broken ", "concussion", "unsafe", "dangerous", "recall",
)
_ODD_CASE = ("\u0131", "\u0130", "\u017f")


class _WordScan:
    """One Aho-Corasick pass over lowercased text: a bit per word group, set
    when a word of that group occurs anywhere (overlaps included)."""

    def __init__(self, groups: list[tuple[str, ...]]) -> None:
        masks: dict[str, int] = {}
        for bit, words in enumerate(groups):
            for word in words:
                masks[word] = masks.get(word, 0) | 1 << bit
        self._automaton = ahocorasick.Automaton()
        for word, mask in masks.items():
            self._automaton.add_word(word, mask)
        self._automaton.make_automaton()

    def __call__(self, low: str) -> int:
        seen = 0
        for _, mask in self._automaton.iter(low):
            seen |= mask
        return seen


words_in = _WordScan([w for w, _ in _INJECTION_STRONG] + [w for w, _ in _INJECTION_WEAK] + [LEGAL_WORDS, SAFETY_WORDS])
_STRONG = [(1 << i, p) for i, (_, p) in enumerate(_INJECTION_STRONG)]
_WEAK = [(1 << (len(_STRONG) + i), p) for i, (_, p) in enumerate(_INJECTION_WEAK)]
_ANY_WEAK = sum(bit for bit, _ in _WEAK)
LEGAL_BIT = 1 << (len(_STRONG) + len(_WEAK))
SAFETY_BIT = LEGAL_BIT << 1


def injection_suspected(text: str, seen: int | None = None) -> bool:
    """`seen` is words_in(text.lower()), if the caller has it already."""
    if seen is None:
        seen = words_in(text.lower())
    for bit, p in _STRONG:
        if seen & bit and p.search(text):
            return True
    if (seen & _ANY_WEAK).bit_count() < 2:
        return False
    hits = 0
    for bit, p in _WEAK:
        if seen & bit and p.search(text):
            hits += 1
            if hits == 2:
                return True
    return False


def _odd_case(text: str) -> bool:
    return not text.isascii() and any(ch in text for ch in _ODD_CASE)


def legal_threat(text: str, seen: int | None = None) -> bool:
    if seen is None:
        seen = words_in(text.lower())
    return bool((seen & LEGAL_BIT or _odd_case(text)) and LEGAL_THREAT.search(text))


def safety(text: str, seen: int | None = None) -> bool:
    if seen is None:
        seen = words_in(text.lower())
    return bool((seen & SAFETY_BIT or _odd_case(text)) and SAFETY.search(text))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def has_email(text: str) -> bool:
    """An address such as jo@example.com. Right after "@" the same shape is a
    fediverse handle ("@aiko@fosstodon.org"), not an email. Each match is
    taken whole, so no shorter tail of a handle ("x@fosstodon.org" in
    "@aiko.x@fosstodon.org") is tried instead."""
    for m in EMAIL.finditer(text):
        if not m.start() or text[m.start() - 1] != "@":
            return True
    return False


_DIGIT = re.compile(r"\d")


def has_pii(text: str) -> bool:
    if "@" in text and has_email(text):
        return True
    if not _DIGIT.search(text):  # phones and cards need digits: most posts stop here
        return False
    if PHONE.search(text):
        return True
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return True
    return False
