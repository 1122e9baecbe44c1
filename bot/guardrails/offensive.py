"""Offensive language as judged by alt-profanity-check's model (a linear SVM
over TF-IDF words, calibrated to a probability), alongside the word lists.

The package's own `predict_prob` costs about 15 ms a call (scikit-learn's
per-call checks) and importing it takes seconds (scikit-learn and SciPy),
too slow for one reply at a time and for bulk checks. The model is a sum of
word weights, so `score` evaluates the same vocabulary, idf and calibrated
weights directly, in about 20 µs a reply. The weights ship as
data/profanity_model.json (MIT, see data/LICENSE-alt-profanity-check),
exported from the installed package by `python -m bot.guardrails.offensive`;
tests compare `score` with the package's `predict_prob`.
"""
from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the package's TfidfVectorizer token pattern
_DATA = "profanity_model.json"


def extract() -> dict:
    """The model's weights, read from the installed alt-profanity-check."""
    from importlib.metadata import version

    from profanity_check import profanity_check as package

    vectorizer, model = package.vectorizer, package.model
    stop = vectorizer.get_stop_words() or frozenset()
    idf = vectorizer.idf_
    members = [member for member in model.calibrated_classifiers_]
    words = {}
    for word, i in sorted(vectorizer.vocabulary_.items()):
        if word not in stop:
            # idf, then idf × weight in each calibrated member
            words[word] = [float(idf[i])] + [float(idf[i] * m.estimator.coef_[0][i]) for m in members]
    calibration = [[float(m.estimator.intercept_[0]), float(m.calibrators[0].a_), float(m.calibrators[0].b_)]
                   for m in members]
    return {"source": f"alt-profanity-check {version('alt-profanity-check')}", "members": calibration,
            "words": words}


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, list[float]], list[list[float]]]:
    shipped = resources.files("bot.guardrails") / "data" / _DATA
    data = json.loads(shipped.read_text(encoding="utf-8")) if shipped.is_file() else extract()
    return data["words"], data["members"]


def source() -> str:
    shipped = resources.files("bot.guardrails") / "data" / _DATA
    return json.loads(shipped.read_text(encoding="utf-8"))["source"] if shipped.is_file() else "installed package"


def score(text: str) -> float:
    """Probability (0-1) that the model finds `text` offensive."""
    table, members = _model()
    counts = Counter(w for w in _TOKEN.findall(text.lower()) if w in table)
    weighted = [0.0] * len(members)
    norm = 0.0
    for word, n in counts.items():
        idf, *weights = table[word]
        norm += (n * idf) ** 2
        for k, w in enumerate(weights):
            weighted[k] += n * w
    norm = math.sqrt(norm) or 1.0
    total = 0.0
    for k, (intercept, a, b) in enumerate(members):
        decision = weighted[k] / norm + intercept
        total += 1.0 / (1.0 + math.exp(min(a * decision + b, 700.0)))
    return total / len(members)


def main() -> int:
    path = Path(__file__).with_name("data") / _DATA
    path.write_text(json.dumps(extract(), separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{path}: written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
