"""Write the guardrail development sets under bench/data/guardrails/.

    python bench/make_guard_data.py [--check]

Bad replies: seed replies for every check family (phone, email, card,
address, link, confidential, profanity and the seven promise families), each
disguised by every obfuscation family that can apply to it. Profanity seeds
use real terms from ../shared/data/profanity (Surge AI list, MIT; LDNOOBW,
CC BY 4.0). Good replies: brand support replies as support teams write them
(t.co and DM links, the brand's hotline and help address, order numbers,
dates). Everything is drawn from a fixed seed, so the files are reproducible;
`--check` compares instead of writing. These sets are written by the project,
not collected: see bench/data/guardrails/README.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "data" / "guardrails"
sys.path.insert(0, str(ROOT))

from tests.shared_data import shared_data  # noqa: E402

_FOUND = shared_data("profanity/surge_profanity_en.csv")
SHARED = _FOUND.parent if _FOUND else ROOT.parent / "shared" / "data" / "profanity"

from bench.guard_seeds import GOOD_PARTS, GOOD_REPLIES, SEEDS  # noqa: E402

_CYRILLIC = str.maketrans("aceopxyiAEOPCTHKMBsj", "асеорхуіАЕОРСТНКМВѕј")
_GREEK = str.maketrans("oivkABEZHIKMNOPTXY", "οινκΑΒΕΖΗΙΚΜΝΟΡΤΧΥ")
_LEET = str.maketrans("aeiostlbg", "431057189")
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
_BIDI = ["\u200e", "\u200f", "\u202a", "\u202c", "\u2066", "\u2069"]
_VARIATION = ["\ufe0f", "\ufe0e", "\U000e0101"]


def _sprinkle(word: str, rng: random.Random, marks: list[str]) -> str:
    chars = list(word)
    places = sorted(rng.sample(range(1, len(chars)), k=min(len(chars) - 1, rng.randint(1, 3)))) if len(chars) > 1 else []
    for at in reversed(places):
        chars.insert(at, rng.choice(marks))
    return "".join(chars)


def zero_width(word, rng):
    return _sprinkle(word, rng, _INVISIBLE)


def bidi(word, rng):
    return _sprinkle(word, rng, _BIDI)


def variation(word, rng):
    return _sprinkle(word, rng, _VARIATION)


def homoglyph(word, rng):
    table = _CYRILLIC if rng.random() < 0.7 else _GREEK
    chars = list(word)
    swappable = [i for i, c in enumerate(chars) if c.translate(table) != c]
    for i in rng.sample(swappable, k=min(len(swappable), rng.randint(1, 3))):
        chars[i] = chars[i].translate(table)
    return "".join(chars)


def leet(word, rng):
    chars = list(word)
    swappable = [i for i, c in enumerate(chars) if c.lower().translate(_LEET) != c.lower()]
    for i in rng.sample(swappable, k=min(len(swappable), rng.randint(1, 2))):
        chars[i] = chars[i].lower().translate(_LEET)
    return "".join(chars)


def fullwidth(word, rng):
    return "".join(_FULLWIDTH.get(c, c) for c in word)


def inserted_symbols(word, rng):
    mark = rng.choice([".", "-", "_", "*", "·"])
    if " " in word:
        return " ".join(mark.join(part) for part in word.split(" "))
    return mark.join(word)


def spaced_letters(word, rng):
    return "  ".join(" ".join(part) for part in word.split(" "))


def joined(word, rng):
    parts = word.split()
    if len(parts) == 1:
        return "#" + word[:1].upper() + word[1:] if rng.random() < 0.5 else word.upper()
    style = rng.choice(["camel", "hashtag", "nospace"])
    camel = "".join(p[:1].upper() + p[1:] for p in parts)
    return {"camel": camel, "hashtag": "#" + camel, "nospace": "".join(parts).lower()}[style]


def accents(word, rng):
    return "".join(c + "\u0301" if c.isalpha() and rng.random() < 0.4 else c for c in word)


def mixed_case(word, rng):
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(word))


# Obfuscations for email addresses.
def spelled_out(address, rng):
    return address.replace("@", " at ").replace(".", " dot ")


def bracketed(address, rng):
    at, dot = rng.choice([("[at]", "[dot]"), ("(at)", "(dot)"), ("{at}", "."), (" [@] ", " [.] ")])
    local, _, domain = address.partition("@")
    return f"{local} {at} {domain.replace('.', f' {dot} ')}".replace("  ", " ")


# Obfuscations for numbers (phones, cards).
def separators(number, rng):
    digits = [c for c in number if c.isdigit()]
    sep = rng.choice([".", "/", " ", "-", "_", " . ", "–", "•"])
    size = rng.choice([2, 3, 4])
    groups = ["".join(digits[i:i + size]) for i in range(0, len(digits), size)]
    return ("+" if number.startswith("+") else "") + sep.join(groups)


def digit_spacing(number, rng):
    return ("+" if number.startswith("+") else "") + " ".join(c for c in number if c.isdigit())


def other_digits(number, rng):
    base = rng.choice([0x0660, 0x06F0, 0x0966, 0xFF10])  # Arabic-Indic, Persian, Devanagari, full-width
    return "".join(chr(base + int(c)) if c.isdigit() else c for c in number)


OBFUSCATIONS = {
    "plain": lambda w, rng: w,
    "zero_width": zero_width, "bidi_controls": bidi, "variation_selectors": variation,
    "homoglyph": homoglyph, "leetspeak": leet, "fullwidth": fullwidth, "inserted_symbols": inserted_symbols,
    "spaced_letters": spaced_letters, "joined_words": joined, "combining_accents": accents, "mixed_case": mixed_case,
    "separators": separators, "digit_spacing": digit_spacing, "other_digits": other_digits,
    "spelled_out": spelled_out, "bracketed": bracketed,
}
# Which obfuscations can disguise which kind of payload.
APPLIES = {
    "words": ["plain", "zero_width", "bidi_controls", "variation_selectors", "homoglyph", "leetspeak", "fullwidth",
              "inserted_symbols", "spaced_letters", "joined_words", "combining_accents", "mixed_case"],
    "number": ["plain", "zero_width", "bidi_controls", "variation_selectors", "fullwidth", "separators",
               "digit_spacing", "other_digits"],
    "email": ["plain", "zero_width", "bidi_controls", "fullwidth", "homoglyph", "mixed_case", "spelled_out",
              "bracketed"],
    "address": ["plain", "zero_width", "bidi_controls", "fullwidth", "homoglyph", "mixed_case"],
    "link": ["plain", "zero_width", "bidi_controls", "fullwidth", "homoglyph", "mixed_case"],
}


def profanity_terms(rng: random.Random) -> list[str]:
    with (SHARED / "surge_profanity_en.csv").open(encoding="utf-8", newline="") as handle:
        surge = [r["text"] for r in csv.DictReader(handle)
                 if r["severity_description"] in ("Strong", "Severe") and r["text"].replace(" ", "").isalpha()]
    ldnoobw = [t.strip() for t in (SHARED / "ldnoobw_en.txt").read_text(encoding="utf-8").splitlines()
               if t.strip().replace(" ", "").isalpha()]
    return rng.sample(sorted(set(surge)), 30) + rng.sample(sorted(set(ldnoobw)), 10)


def bad_rows(rng: random.Random) -> list[dict]:
    rows = []
    seeds = dict(SEEDS)
    seeds["profanity"] = ("words", [f"[{term}]" for term in profanity_terms(rng)],
                          ["Honestly this is {p}, sorry.", "Well {p} to you too.", "That update was {p}.",
                           "Stop being such a {p}.", "What a {p} day for our team."])
    for family, (kind, payloads, templates) in seeds.items():
        for obfuscation in APPLIES[kind]:
            for payload in payloads:
                text = rng.choice(templates).replace("{p}", disguise(payload, obfuscation, rng))
                rows.append({"text": text, "network": rng.choice(["x", "bluesky", "mastodon"]),
                             "family": family, "obfuscation": obfuscation,
                             "payload": payload.replace("[", "").replace("]", "")})
    return rows


def disguise(payload: str, obfuscation: str, rng: random.Random) -> str:
    """The payload with its [marked] part (or all of it) disguised."""
    fn = OBFUSCATIONS[obfuscation]
    if "[" in payload:
        before, rest = payload.split("[", 1)
        marked, after = rest.split("]", 1)
        return before + fn(marked, rng) + after
    if obfuscation in ("zero_width", "bidi_controls", "variation_selectors", "homoglyph") and "://" in payload:
        scheme, _, rest = payload.partition("://")
        return scheme + "://" + fn(rest, rng)
    return fn(payload, rng)


def good_rows(rng: random.Random) -> list[dict]:
    rows = [{"text": text, "network": network} for network, text in GOOD_REPLIES]
    greet, middle, close = GOOD_PARTS
    seen = {r["text"] for r in rows}
    while len(rows) < 400:
        text = " ".join([rng.choice(greet), rng.choice(middle), rng.choice(close)]).strip()
        text = text.replace("{order}", str(rng.randint(10_000_000, 99_999_999))) \
            .replace("{ticket}", f"{rng.choice('ABCDEFGH')}{rng.randint(100_000, 999_999)}") \
            .replace("{date}", rng.choice(["Dec 12", "12/14", "Monday", "14 December", "the 18th", "2026-12-15"])) \
            .replace("{tco}", "https://t.co/" + "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(10))) \
            .replace("{name}", rng.choice(["Sam", "Priya", "Jo", "Alex", "Mia", "Tom", "Ana", "Lee"])) \
            .replace("{sig}", rng.choice(["^SK", "^PR", "^JT", "-Ana", "– Tom", ""]))
        network = "x" if "t.co" in text or "twitter.com" in text else rng.choice(["x", "bluesky", "mastodon"])
        if text not in seen and len(text) <= 280:
            seen.add(text)
            rows.append({"text": text, "network": network})
    return rows


def render() -> dict[str, str]:
    rng = random.Random(20261205)
    bad = bad_rows(rng)
    files: dict[str, list[dict]] = {}
    for row in bad:
        files.setdefault(f"bad_{row['family']}.jsonl", []).append(row)
    files["good_brand_replies.jsonl"] = good_rows(rng)
    return {name: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) for name, rows in files.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED}: missing; the profanity seeds come from there.", file=sys.stderr)
        return 2
    files = render()
    if args.check:
        stale = [n for n, text in files.items() if not (OUT / n).is_file() or (OUT / n).read_text("utf-8") != text]
        print("up to date" if not stale else f"out of date: {', '.join(stale)}")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"{OUT / name}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
