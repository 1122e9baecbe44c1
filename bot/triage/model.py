"""Runtime triage: does a post need an answer, and what does it want.

A model file is JSON: a vocabulary of words and word pairs
(bot.triage.features) with one logistic-regression weight each for
needs_response, and one weight per intent for the intent label. Scoring
sums the weights of the tokens present (the intents' with numpy, and
only when asked), so it needs no pickle and no scikit-learn, and a tweet
costs some tens of microseconds.

`sentiment` in the file adds VADER's compound score (which the pipeline
has already computed when a route tests sentiment) to the needs_response
logit: negative posts lean towards needing an answer, positive ones away;
its `offset` moves the decision point for scores combined that way.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np

from bot.triage.features import token_set

FORMAT = "rejoinder-triage/1"
INTENTS = ("complaint", "question", "request", "purchase", "praise", "chatter")
RESPONSIVE = frozenset(INTENTS[:4])  # the intents that need an answer
DEFAULT_MODEL = Path(__file__).with_name("data") / "triage_model.json"


class ModelFileError(ValueError):
    pass


class Verdict:
    """needs_response with its confidence (0.5 to 1) and probability (`score`);
    the intent label is worked out on first use, since most routes never ask."""

    __slots__ = ("needs_response", "confidence", "score", "_text", "_model", "_intent")

    def __init__(self, needs_response: bool, confidence: float, score: float, text: str, model: "TriageModel") -> None:
        self.needs_response, self.confidence, self.score = needs_response, confidence, score
        self._text, self._model, self._intent = text, model, None

    def _label(self) -> tuple[str | None, float]:
        if self._intent is None:
            self._intent = self._model.intent(self._text, self.needs_response)
        return self._intent

    @property
    def intent(self) -> str | None:
        return self._label()[0]

    @property
    def intent_confidence(self) -> float:
        return self._label()[1]

    def __repr__(self) -> str:
        return (f"Verdict(needs_response={self.needs_response}, confidence={self.confidence:.3f}, "
                f"intent={self.intent!r}, intent_confidence={self.intent_confidence:.3f})")


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class TriageModel:
    def __init__(self, spec: dict, source: str = "<memory>") -> None:
        try:
            if spec.get("format") != FORMAT:
                raise ModelFileError(f"{source}: not a triage model file (format {spec.get('format')!r}, expected {FORMAT!r})")
            needs = spec["needs_response"]
            self.bias = float(needs["bias"])
            self.weights: dict[str, float] = {k: float(v) for k, v in needs["weights"].items()}
            self.threshold = float(spec.get("threshold", 0.5))
            self.sentiment = {k: float(v) for k, v in (spec.get("sentiment") or {}).items()}
            intents = spec.get("intents") or {}
            self.labels: tuple[str, ...] = tuple(intents.get("labels", ()))
            self.intent_bias = [float(v) for v in intents.get("bias", ())]
            self.intent_weights: dict[str, list[float]] = {k: [float(x) for x in v] for k, v in intents.get("weights", {}).items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ModelFileError(f"{source}: the model file is missing or mistypes {exc}") from None
        if not 0.0 < self.threshold < 1.0:
            raise ModelFileError(f"{source}: threshold must be between 0 and 1, got {self.threshold}")
        if any(len(v) != len(self.labels) for v in self.intent_weights.values()) or len(self.intent_bias) != len(self.labels):
            raise ModelFileError(f"{source}: every intent weight list must have one value per label")
        self.source = source
        self.trained_on = spec.get("trained_on", "")
        # One row per token, one weight per intent.
        vocab = sorted(self.intent_weights)
        self._index = {t: i for i, t in enumerate(vocab)}
        self._matrix = np.array([self.intent_weights[t] for t in vocab],
                                dtype=np.float64).reshape(len(vocab), len(self.labels))
        self._bias = np.array(self.intent_bias, dtype=np.float64)
        self._responsive = np.array([label in RESPONSIVE for label in self.labels], dtype=bool)

    @classmethod
    def load(cls, path: Path | str) -> "TriageModel":
        path = Path(path)
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelFileError(f"{path}: cannot read the model file: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{path}: the model file is not valid JSON: {exc}") from None
        if not isinstance(spec, dict):
            raise ModelFileError(f"{path}: the model file must hold a JSON object")
        return cls(spec, str(path))

    def _sums(self, text: str) -> np.ndarray:
        get = self._index.get
        rows = [i for i in map(get, token_set(text)) if i is not None]
        return self._bias + self._matrix[rows].sum(axis=0) if rows else self._bias.copy()

    def _needs_logit(self, total: float, sentiment: float | None) -> float:
        if sentiment is not None and self.sentiment:
            total += self.sentiment.get("offset", 0.0)
            total += self.sentiment.get("negative", 0.0) * max(0.0, -sentiment)
            total -= self.sentiment.get("positive", 0.0) * max(0.0, sentiment)
        return total

    def score(self, text: str, sentiment: float | None = None) -> float:
        """Probability that the post needs an answer."""
        w = self.weights
        return _sigmoid(self._needs_logit(self.bias + sum(map(w.get, token_set(text), repeat(0.0))), sentiment))

    def _intent(self, totals: np.ndarray, responsive: bool | None) -> tuple[str | None, float]:
        if not self.labels:
            return None, 0.0
        exps = np.exp(totals - totals.max())
        probs = exps / exps.sum()
        allowed = probs if responsive is None else np.where(self._responsive == responsive, probs, -1.0)
        best = int(allowed.argmax())
        return self.labels[best], float(probs[best])

    def intent(self, text: str, responsive: bool | None = None) -> tuple[str | None, float]:
        """The most likely intent label and its probability; `responsive`
        limits the choice to labels that need (True) or need no (False) answer."""
        return self._intent(self._sums(text), responsive)

    def judge(self, text: str, sentiment: float | None = None) -> Verdict:
        if self.weights.keys().isdisjoint(token_set(text)):
            # Not one word the model knows (another language, only emoji): people
            # decide, and the verdict says it is a guess.
            return Verdict(True, 0.5, 0.5, text, self)
        p = self.score(text, sentiment)
        needs = p >= self.threshold
        return Verdict(needs, p if needs else 1.0 - p, p, text, self)


@lru_cache(maxsize=8)
def load_model(path: str | None = None) -> TriageModel:
    """The model at `path`, or the shipped one; each file is read once per process."""
    return TriageModel.load(path or DEFAULT_MODEL)


_active: TriageModel | None = None


def active() -> TriageModel:
    """The model this process triages with: the one the workspace names, or the shipped one."""
    global _active
    if _active is None:
        _active = load_model()
    return _active


def use(path: str | Path | None) -> TriageModel:
    """Triage with the model at `path` from now on (None: the shipped model)."""
    global _active
    _active = load_model(str(path) if path else None)
    return _active


def file_problem(path: Path) -> str | None:
    """What is wrong with the model file at `path`, for `rejoinder config check`; None when it loads."""
    if not path.is_file():
        return f"triage model {str(path)!r} not found; write one with `rejoinder triage learn`"
    try:
        TriageModel.load(path)
    except ModelFileError as exc:
        return str(exc)
    return None
