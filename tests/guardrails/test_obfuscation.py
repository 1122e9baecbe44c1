"""Every check reads the canonical form of a reply: each obfuscation family
must fail to hide each kind of content. The examples here are not the
development set's (bench/data/guardrails), so passing is not replay."""
from __future__ import annotations

import pytest

from bot.config.workspace import Contacts, Guidelines
from bot.guardrails import Guardrails
from tests.guardrails.sample import only

GUARD = Guardrails(
    Guidelines(confidential_terms=["Project Falcon", "Atlas rebrand"], banned_terms=["no worries"],
               link_allowlist=["acme.com"]),
    {"x": "acme", "mastodon": "@acme@mastodon.social"},
    contacts=Contacts(phones=["+1 800 555 0199"], emails=["help@acme.com"], domains=["acme.com"]),
)
ZW, ZWJ, SHY, LRM, RLO, PDF, VS16, WJ = "\u200b", "\u200d", "\u00ad", "\u200e", "\u202e", "\u202c", "\ufe0f", "\u2060"


def caught(text: str, rule: str, network: str = "x") -> list:
    return only(GUARD.check(text, network), rule)


# (obfuscation family, disguised text) per check family.
PROFANITY = [
    ("plain", "what a shithead"),
    ("zero_width", f"what a shit{ZW}head"),
    ("soft_hyphen", f"what a shi{SHY}the{SHY}ad"),
    ("joiner", f"what a sh{ZWJ}ithead"),
    ("bidi", f"what a shi{RLO}thea{PDF}d"),
    ("variation_selector", f"what a shith{VS16}ead"),
    ("cyrillic", "what a shіthead"),  # Cyrillic і
    ("greek", "what a shιthead"),  # Greek iota
    ("leetspeak", "what a 5h1th3ad"),
    ("fullwidth", "what a ｓｈｉｔｈｅａｄ"),
    ("inserted_symbols", "what a s.h.i.t.h.e.a.d"),
    ("inserted_hyphen", "what a shit-head"),
    ("spaced_letters", "what a s h i t h e a d"),
    ("camel_case", "WhatAShitheadMove"),
    ("hashtag", "#ShitheadMove today"),
    ("accents", "what a shi\u0301the\u0308ad"),
    ("mixed_case", "what a sHiThEaD"),
]


@pytest.mark.parametrize("family, text", PROFANITY, ids=[f for f, _ in PROFANITY])
def test_profanity_is_caught_in_every_disguise(family, text):
    found = caught(text, "profanity")
    assert found and found[0].severity == "block", (family, text)


CONFIDENTIAL = [
    ("plain", "The Atlas rebrand lands soon"),
    ("camel_case", "The AtlasRebrand lands soon"),
    ("hashtag", "Wait for #AtlasRebrand!"),
    ("missing_space", "the atlasrebrand is close"),
    ("leetspeak", "The At1as r3brand lands soon"),
    ("brief_examples", "ProjectFalcon"),
    ("brief_hashtag", "#ProjectFalcon"),
    ("brief_leet", "Project Fa1con"),
    ("zero_width", f"Project Fal{ZW}con"),
    ("cyrillic", "Prојect Falcon"),  # Cyrillic о and ј
    ("fullwidth", "Ｐｒｏｊｅｃｔ Ｆａｌｃｏｎ"),
    ("inserted_symbols", "P-r-o-j-e-c-t F-a-l-c-o-n"),
    ("spaced_letters", "A t l a s  r e b r a n d"),
    ("bidi", f"Pro{LRM}ject Fal{LRM}con"),
    ("mixed_case", "pRoJeCt FaLcOn"),
    ("codename_broken_by_a_space", "Fal con ships in May"),
]


@pytest.mark.parametrize("family, text", CONFIDENTIAL, ids=[f for f, _ in CONFIDENTIAL])
def test_confidential_terms_are_caught_in_every_disguise(family, text):
    found = caught(text, "confidential")
    assert found and found[0].severity == "block", (family, text)


def test_confidential_finding_quotes_the_original_text():
    reason = caught(f"Soon: Pro{ZW}jectFa1con!", "confidential")[0].reason
    assert "“Project Falcon” (written “Pro⟨U+200B⟩jectFa1con”)" in reason


def test_profanity_finding_shows_how_the_word_was_hidden():
    # The approver reads the word as the model saw it and as the draft wrote it,
    # with the invisible character and the lookalike letter named.
    hidden = caught(f"well, sh{ZW}it happens", "profanity")[0].reason
    assert "“shit” (written “sh⟨U+200B⟩it”)" in hidden
    lookalike = caught("that was fu\u0441king rude", "profanity")[0].reason
    assert "(written “fu\u0441⟨CYRILLIC SMALL LETTER ES⟩king”)" in lookalike
    assert "written" not in caught("well, shit happens", "profanity")[0].reason


PHONES = [
    ("plain", "Reach Dana on (415) 867-5309."),
    ("zero_width", f"Reach Dana on (415) 86{ZW}7-53{WJ}09."),
    ("fullwidth", "Reach Dana on （４１５） ８６７－５３０９."),
    ("slashes", "Reach Dana on 415/867/5309."),
    ("dots_and_spaces", "Reach Dana on 4 1 5 . 8 6 7 . 5 3 0 9"),
    ("underscores", "Dana: 415_867_5309"),
    ("international", "Dana: +49 (0)30 2345 6789"),
    ("other_digits", "Dana: +٤٩ ٣٠ ٢٣٤٥ ٦٧٨٩"),
    ("bidi", f"Dana: {LRM}+44 7911 123{RLO}456{PDF}"),
    ("words_and_digit_groups", "Reach Dana on four one five 867 five three oh nine"),
]


@pytest.mark.parametrize("family, text", PHONES, ids=[f for f, _ in PHONES])
def test_phone_numbers_are_caught_in_every_disguise(family, text):
    assert any("phone number" in f.reason for f in caught(text, "pii")), (family, text)


CARDS = [
    ("spaces", "card 4000 0566 5566 5556"),
    ("dots", "card 4000.0566.5566.5556"),
    ("fullwidth", "card ４０００ ０５６６ ５５６６ ５５５６"),
    ("zero_width", f"card 4000{ZW}0566{ZW}5566{ZW}5556"),
    ("mixed_separators", "card 4000-0566/5566 5556"),
    ("slashes", "card 3714/496353/98431"),
]


@pytest.mark.parametrize("family, text", CARDS, ids=[f for f, _ in CARDS])
def test_cards_are_caught_with_any_separator(family, text):
    assert any("payment card" in f.reason for f in caught(text, "pii")), (family, text)


EMAILS = [
    ("plain", "write to marta.lopez@example.org"),
    ("spelled", "write to marta lopez at gmail dot com"),
    ("spelled_dotted", "write to marta.lopez at example dot org"),
    ("bracketed", "write to marta.lopez [at] example [dot] org"),
    ("parentheses", "write to marta.lopez(at)example(dot)org"),
    ("spaced_at", "write to marta.lopez @ example.org"),
    ("fullwidth_at", "write to marta.lopez＠example．org"),
    ("zero_width", f"write to marta.lo{ZW}pez@exa{ZW}mple.org"),
    ("lookalike_domain", "write to marta@gmаil.com"),  # Cyrillic а
]


@pytest.mark.parametrize("family, text", EMAILS, ids=[f for f, _ in EMAILS])
def test_email_addresses_are_caught_in_every_disguise(family, text):
    assert any("email address" in f.reason for f in caught(text, "pii")), (family, text)


ADDRESSES = [
    ("uk", "It went to 47 Kingsway Road, Leeds"),
    ("uk_postcode", "Leeds LS1 4DY"),
    ("french", "livré au 8 boulevard Haussmann"),
    ("german", "an die Lindenstraße 23 geschickt"),
    ("german_short", "an die Bahnhofstr. 7 geschickt"),
    ("spanish", "enviado a Calle de Alcalá 42"),
    ("italian", "a Piazza Navona 3"),
    ("dutch", "naar Prinsengracht 263"),
    ("swedish", "till Drottninggatan 71"),
    ("portuguese", "na Rua Augusta 274"),
    ("canadian_postcode", "Ottawa K1A 0B1"),
    ("us_state_zip", "Springfield, IL 62704"),
    ("po_box", "PO Box 5521"),
    ("cyrillic_letters", "It went to 47 Кingsway Rоad"),
    ("mixed_case", "It went to 47 kInGsWaY rOaD"),
]


@pytest.mark.parametrize("family, text", ADDRESSES, ids=[f for f, _ in ADDRESSES])
def test_street_addresses_are_caught_beyond_us_patterns(family, text):
    assert any("street address" in f.reason for f in caught(text, "pii")), (family, text)


LINKS = [
    ("bare_gtld", "claim at refunds.help"),
    ("bare_zip", "grab invoice.zip now"),
    ("bare_support", "visit acme-care.support"),
    ("ip_host", "log in at http://192.0.2.44/acme"),
    ("bare_ip", "log in at 192.0.2.44/acme"),
    ("cyrillic_lookalike", "log in at https://аcme.com/login"),
    ("punycode_lookalike", "log in at https://xn--acm-zdd.com"),
    ("open_redirect", "see https://acme.com/go?url=https%3A%2F%2Fevil.example%2Fx"),
    ("redirect_path_param", "see https://acme.com/login?return_to=//evil.example"),
    ("zero_width_domain", f"see https://ev{ZW}il.example/x"),
    ("fullwidth_url", "see ｈｔｔｐｓ：／／evil．example／x"),
    ("uppercase", "see HTTPS://EVIL.EXAMPLE/X"),
    ("subdomain_trick", "see https://acme.com.evil.example/"),
    ("dot_spelled_out", "claim it here: acme-refunds DOT com"),
    ("dots_spelled_out", "see evil dot co dot uk"),
]


@pytest.mark.parametrize("family, text", LINKS, ids=[f for f, _ in LINKS])
def test_bad_links_are_caught_in_every_disguise(family, text):
    found = caught(text, "links")
    assert found and found[0].severity == "block", (family, text)


def test_lookalike_and_redirect_reasons_say_what_happened():
    assert "looks like acme.com" in caught("https://аcme.com/x", "links")[0].reason
    assert "forwards from an allowed site" in caught("https://acme.com/r?next=https://evil.example", "links")[0].reason


@pytest.mark.parametrize("text", ["Fa1con ships in May", "the FALCON beta", "#Falcon2026 is coming"])
def test_a_projects_codename_alone_is_confidential(text):
    assert caught(text, "confidential"), text


def test_email_written_with_at_after_a_word_that_says_email():
    assert any("email address" in f.reason for f in caught("email marta at lopez-design.net", "pii"))
    assert not any("email address" in f.reason for f in caught("find us at lopez-design.net", "pii"))


@pytest.mark.parametrize("text", [
    "Reach Dana on 415-867-53O9", "Dana: 4l5 867 5309",
    "Dana's number is four one five, eight six seven, five three oh nine",
])
def test_phone_numbers_with_letters_for_digits_or_in_words(text):
    assert any("phone number" in f.reason for f in caught(text, "pii")), text


def test_numbers_in_words_need_a_phone_shape():
    assert caught("one two three four five six seven people came", "pii") == []
    assert caught("Call us: one eight zero zero, five five five, zero one nine nine", "pii") == []  # ours


@pytest.mark.parametrize("text", ["visit refund-help[.]com now", "see evil(dot)example/x", "go to acme-care{.}support"])
def test_defanged_links_are_links(text):
    assert caught(text, "links"), text
    assert caught("details at acme[.]com", "links") == []
