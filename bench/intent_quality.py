"""Intent figures on posts the scored model never saw.

Two honest views, since no development set labels all six intents:
- the airline tweets (never trained on): a negative tweet is a complaint,
  a positive one praise; neutral tweets carry no intent and are left out;
- banking77's test split, scored by a model retrained without it (the
  shipped weights saw it): complaint, question, request and purchase, from
  the same label mapping the shipped training uses.
"""
from __future__ import annotations

from pathlib import Path

from bot.intake.enrich import shared_analyzer
from bot.triage import build, corpus, training
from bot.triage.model import TriageModel, active

AIRLINE_INTENT = {"negative": "complaint", "positive": "praise"}


def prf(gold: list, said: list, label) -> tuple[float, float, float]:
    """Precision, recall and F1 of one label."""
    tp = sum(g == label and s == label for g, s in zip(gold, said))
    fp = sum(g != label and s == label for g, s in zip(gold, said))
    fn = sum(g == label and s != label for g, s in zip(gold, said))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _score(name: str, model: TriageModel, pairs: list[tuple[str, str]], figures: dict, table: list) -> None:
    vader = shared_analyzer()
    said = [model.judge(text, vader.polarity_scores(text)["compound"]).intent for text, _ in pairs]
    gold = [g for _, g in pairs]
    f1s = []
    for label in sorted(set(gold)):
        p, r, f = prf(gold, said, label)
        f1s.append(f)
        figures[f"intent_{name}_{label}_f1"] = round(f, 4)
        table.append(("intent", f"{name}: {label} P / R / F1 ({gold.count(label)} posts)", f"{p:.3f} / {r:.3f} / {f:.3f}"))
    figures[f"intent_{name}_macro_f1"] = round(sum(f1s) / len(f1s), 4)
    table.append(("intent", f"{name}: macro F1", figures[f"intent_{name}_macro_f1"]))


def measure(data: Path, quick: bool) -> tuple[dict, list]:
    figures: dict = {}
    table: list = []
    airline = [(r["text"], AIRLINE_INTENT[r["label"]]) for _, r in corpus.read_jsonl(data / "triage" / "airline_tweets.jsonl")
               if r.get("label") in AIRLINE_INTENT]
    _score("airline", active(), airline, figures, table)
    if not quick:
        test = [r for _, r in corpus.read_jsonl(data / "triage" / "banking77.jsonl") if r["split"] == "test"]
        unseen = {r["text"] for r in test}
        rows = [r for r in corpus.shipped_rows(data) if r["text"] not in unseen]
        model = TriageModel(training.fit(rows, c=build.C, sentiment=build.SENTIMENT))
        pairs = [(r["text"], corpus.banking77_intent(r["label"], r["text"])) for r in test]
        _score("banking77_held_out", model, pairs, figures, table)
    return figures, table
