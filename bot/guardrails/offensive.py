"""Offensive language as judged by alt-profanity-check's model (a linear SVM
over TF-IDF words, calibrated to a probability), alongside the word lists.

The package's own `predict_prob` costs about 15 ms a call (scikit-learn's
per-call checks), too slow for one reply at a time and for bulk checks. The
model is a sum of word weights, so `score` evaluates the same vocabulary, idf
and calibrated weights directly: the same numbers (tests compare them) in
about 20 µs a reply.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def _model():
    from profanity_check import profanity_check as package

    vectorizer, model = package.vectorizer, package.model
    vocabulary = vectorizer.vocabulary_
    stop = vectorizer.get_stop_words() or frozenset()
    idf = vectorizer.idf_
    members = []
    for member in model.calibrated_classifiers_:
        calibrator = member.calibrators[0]
        members.append((member.estimator.coef_[0], float(member.estimator.intercept_[0]),
                        float(calibrator.a_), float(calibrator.b_)))
    # word -> (idf, idf × weight in each calibrated member)
    table = {word: (float(idf[i]), tuple(float(idf[i] * m[0][i]) for m in members))
             for word, i in vocabulary.items() if word not in stop}
    return table, tuple((m[1], m[2], m[3]) for m in members)


def score(text: str) -> float:
    """Probability (0-1) that the model finds `text` offensive."""
    table, members = _model()
    counts = Counter(w for w in _TOKEN.findall(text.lower()) if w in table)
    weighted = [0.0] * len(members)
    norm = 0.0
    for word, n in counts.items():
        idf, weights = table[word]
        norm += (n * idf) ** 2
        for k, w in enumerate(weights):
            weighted[k] += n * w
    norm = math.sqrt(norm) or 1.0
    total = 0.0
    for k, (intercept, a, b) in enumerate(members):
        decision = weighted[k] / norm + intercept
        total += 1.0 / (1.0 + math.exp(min(a * decision + b, 700.0)))
    return total / len(members)
