"""Seeded synthetic workload for the routing benchmark.

Route terms are invented product and brand words built from syllables, so
10,000 distinct terms exist and rarely collide with the English filler the
mentions are written in. About 7% of mentions carry the term of some route,
written the way that route looks for it (word, phrase, #tag, @handle, SKU).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.config.workspace import Route
from bot.intake.normalize import normalize
from bot.types import Mention

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st", "sk"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou"]
CODAS = ["", "", "", "n", "r", "x", "l", "s"]
NETWORKS = ["x", "bluesky", "mastodon", "reddit"]
PRIORITIES = ["urgent", "high", "normal", "normal", "normal", "low"]
SUFFIXES = ["app", "support", "store", "battery", "delivery", "update", "account", "card", "plan", "pro"]

OPENERS = ["Honestly", "So", "Well", "Okay", "Ugh", "Wow", "Hey folks", "Quick one", "Not gonna lie", "Update"]
SUBJECTS = ["my order", "the new phone", "my package", "the delivery guy", "customer service", "the website",
            "my account", "the refund", "the checkout page", "my subscription", "the replacement", "the store"]
VERBS = ["was late again", "still hasn't arrived", "works great", "keeps crashing", "got cancelled",
         "was surprisingly quick", "charged me twice", "looks amazing", "is broken", "took three weeks",
         "made my day", "is a total mess"]
TAILS = ["and nobody answers the phone", "which is frustrating", "so thanks for that", "after waiting all week",
         "even though I paid for express", "and the box was soaked", "but the staff were lovely",
         "and I am not impressed", "since yesterday morning", "for the third time this month",
         "while I was at work", "according to the tracking page"]
CLOSERS = ["Any ideas?", "Not happy.", "Would recommend.", "Please fix this.", "Thanks a lot!", "Never again.",
           "Cheers.", "What a week.", "Fingers crossed.", "Unbelievable."]


def _filler_words() -> set[str]:
    text = " ".join(OPENERS + SUBJECTS + VERBS + TAILS + CLOSERS + SUFFIXES + ["about"])
    return set("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def make_words(rng: random.Random, count: int) -> list[str]:
    """Invented words; none is a word of the filler text ("later", "some"…)."""
    filler = _filler_words()
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 3))) + rng.choice(CODAS)
        if word not in filler:
            words.add(word)
    return sorted(words)


@dataclass
class Workload:
    routes: list[Route]
    mentions: list[Mention]
    texts: list[str]  # normalized text of each mention
    samples: list[str]  # per route: the text form that makes it fire (None for attribute routes)


def _route_spec(i: int, rng: random.Random, word) -> tuple[dict, str | None]:
    """One route's match expression and a snippet of text that fires it."""
    roll = rng.random()
    a = word()
    if roll < 0.02:
        return {"regex": rf"\b{a}-\d{{3,6}}\b"}, f"{a}-{rng.randint(100, 999999)}"
    if roll < 0.0205:
        return {"all": [{"min_followers": rng.choice([250_000, 1_000_000])}, {"network": rng.choice(NETWORKS)}]}, None
    if roll < 0.35:
        keywords = [a] + [word() for _ in range(rng.randint(0, 2))]
        return {"keyword": keywords}, a
    if roll < 0.50:
        phrase = f"{a} {rng.choice(SUFFIXES)}"
        return {"phrase": phrase}, phrase
    if roll < 0.62:
        return {"hashtag": a}, "#" + a
    if roll < 0.72:
        return {"handle": a}, "@" + a
    if roll < 0.80:
        return {"all": [{"keyword": a}, {"not": {"keyword": word()}}]}, a
    if roll < 0.82:
        return {"all": [{"keyword": a}, {"sentiment": {"max": -0.3}}]}, a
    if roll < 0.92:
        return {"all": [{"any": [{"hashtag": a}, {"handle": a}]}, {"keyword": rng.choice(SUFFIXES)}]}, f"#{a} {rng.choice(SUFFIXES)}"
    if roll < 0.96:
        return {"all": [{"keyword": a}, {"network": rng.sample(NETWORKS, 2)}]}, a
    return {"any": [{"keyword": a}, {"phrase": f"{word()} {rng.choice(SUFFIXES)}"}]}, a


def make_routes(rng: random.Random, count: int, words: list[str]) -> tuple[list[Route], list[str | None]]:
    cursor = iter(rng.sample(words, len(words)))
    routes, samples = [], []
    for i in range(count):
        match, sample = _route_spec(i, rng, lambda: next(cursor, None) or rng.choice(words))
        routes.append(Route.model_validate({
            "name": f"r{i:05d}", "team": f"team{i % 40}", "priority": rng.choice(PRIORITIES),
            "labels": [f"label{i % 17}"], "match": match,
        }))
        samples.append(sample)
    return routes, samples


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(OPENERS)}, {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TAILS)}."


def make_text(rng: random.Random, snippet: str | None) -> str:
    parts = [sentence(rng), sentence(rng)]
    if snippet:
        parts.insert(rng.randint(0, 2), f"About {snippet}:")
    text = " ".join(parts) + " " + rng.choice(CLOSERS)
    while len(text) < 180:
        text += " " + rng.choice(CLOSERS)
    return text


def make_workload(seed: int = 7, routes: int = 10_000, mentions: int = 100_000, hit_share: float = 0.07) -> Workload:
    rng = random.Random(seed)
    words = make_words(rng, routes * 2)
    route_list, samples = make_routes(rng, routes, words)
    with_text = [s for s in samples if s]
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    mention_list, texts = [], []
    for n in range(mentions):
        snippet = rng.choice(with_text) if rng.random() < hit_share else None
        text = normalize(make_text(rng, snippet))
        followers = int(rng.paretovariate(1.2) * 50)
        mention_list.append(Mention.model_construct(
            network=rng.choice(NETWORKS), external_id=str(n), text=text, created_at=created,
            author=_author(f"user{rng.randint(1, 50_000)}", followers), url=None, conversation_id=None,
            in_reply_to=None, lang=None, reply_ref={},
        ))
        texts.append(text)
    return Workload(route_list, mention_list, texts, samples)


def _author(handle: str, followers: int):
    from bot.types import Author

    return Author.model_construct(handle=handle, name="", followers=followers, url=None, verified=False)
