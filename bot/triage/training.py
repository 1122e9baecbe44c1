"""Fit triage models with scikit-learn and write them as plain JSON.

Training needs scikit-learn; running a model does not (bot.triage.model).
`cross_validate` reports what `rejoinder triage learn` prints: precision,
recall and F1 of needs_response over stratified folds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.triage.features import tokens
from bot.triage.model import FORMAT

MIN_ROWS = 10


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    folds: int
    rows: int


def _vectoriser(analyzer=tokens, min_df: int = 2):
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=analyzer, binary=True, min_df=min_df, dtype=float)


def _classifier(c: float = 1.0, balanced: bool = True):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)


def check_rows(rows: list[dict]) -> None:
    labels = {r["needs_response"] for r in rows}
    if len(rows) < MIN_ROWS or labels != {True, False}:
        raise ValueError(
            f"need at least {MIN_ROWS} labelled rows with both needs_response true and false "
            f"(got {len(rows)} rows, labels {sorted(labels)})"
        )


def fit(rows: list[dict], *, c: float = 1.0, trained_on: str = "", sentiment: dict | None = None,
        threshold: float = 0.5, analyzer=tokens, min_df: int = 2, min_weight: float = 1e-3) -> dict:
    """A model spec (see bot.triage.model) fitted on `rows`."""
    check_rows(rows)
    texts = [r["text"] for r in rows]
    vec = _vectoriser(analyzer, min_df)
    x = vec.fit_transform(texts)
    vocab = vec.get_feature_names_out()
    needs = _classifier(c).fit(x, [bool(r["needs_response"]) for r in rows])
    spec = {
        "format": FORMAT,
        "trained_on": trained_on,
        "threshold": threshold,
        "sentiment": sentiment or {},
        "needs_response": {
            "bias": round(float(needs.intercept_[0]), 5),
            "weights": {t: round(float(w), 5) for t, w in zip(vocab, needs.coef_[0]) if abs(w) >= min_weight},
        },
        "intents": None,
    }
    labelled = [(i, r["intent"]) for i, r in enumerate(rows) if r.get("intent")]
    if len({label for _, label in labelled}) >= 2:
        idx = [i for i, _ in labelled]
        model = _classifier(c).fit(x[idx], [label for _, label in labelled])
        coef = model.coef_
        labels = [str(v) for v in model.classes_]
        if len(labels) == 2:  # sklearn keeps one row for two classes: spell both out
            coef = [-coef[0] / 2, coef[0] / 2]
            bias = [-model.intercept_[0] / 2, model.intercept_[0] / 2]
        else:
            bias = list(model.intercept_)
        weights = {}
        for j, t in enumerate(vocab):
            row = [round(float(coef[k][j]), 4) for k in range(len(labels))]
            if max(abs(v) for v in row) >= 1e-3:
                weights[t] = row
        spec["intents"] = {"labels": labels, "bias": [round(float(b), 5) for b in bias], "weights": weights}
    return spec


def cross_validate(rows: list[dict], *, folds: int = 5, c: float = 1.0, seed: int = 0) -> Scores:
    """needs_response precision, recall and F1 over stratified folds."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    check_rows(rows)
    y = [bool(r["needs_response"]) for r in rows]
    folds = max(2, min(folds, sum(y), len(y) - sum(y)))
    pipe = make_pipeline(_vectoriser(), _classifier(c))
    predicted = cross_val_predict(pipe, [r["text"] for r in rows], y,
                                  cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    p, r, f, _ = precision_recall_fscore_support(y, predicted, average="binary", pos_label=True, zero_division=0)
    return Scores(float(p), float(r), float(f), folds, len(rows))


def write(spec: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a model
