"""Labelled rows for training and measuring, read from JSONL files.

`shipped_rows` builds the training set of the weights that ship with
Rejoinder, from licence-clean sources only: banking77 and NLU++ (CC BY 4.0,
PolyAI) and the project's own templates (bot.triage.own_examples). Sets
under other licences (e.g. the CC BY-NC-SA airline tweets) may be measured
on, never trained on for shipped weights.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from bot.triage import own_examples
from bot.triage.model import INTENTS, RESPONSIVE


# banking77 intents that report something gone wrong.
_BANKING_PROBLEM = ("not_", "declined", "failed", "wrong", "twice", "compromised", "lost_or_stolen", "blocked",
                    "swallowed", "reverted", "unable", "extra_charge", "charged")
_BANKING_PURCHASE = ("order_physical_card", "getting_spare_card", "get_physical_card", "getting_virtual_card",
                     "get_disposable_virtual_card")
_QUESTION_START = ("how", "what", "why", "when", "where", "who", "which", "can ", "could", "do ", "does", "did",
                   "is ", "are ", "will", "would", "should", "have ", "has ", "am i")


class BadRow(ValueError):
    pass


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; BadRow names the line."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise BadRow(f"{path}:{number}: not a JSON object ({exc})") from None
            if not isinstance(row, dict):
                raise BadRow(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            yield number, row


def looks_like_question(text: str) -> bool:
    low = text.strip().lower()
    return "?" in low or low.startswith(_QUESTION_START)


def banking77_intent(label: str, text: str) -> str:
    if label in _BANKING_PURCHASE:
        return "purchase"
    if any(part in label.lower() for part in _BANKING_PROBLEM):
        return "complaint"
    return "question" if looks_like_question(text) else "request"


def nlupp_intent(row: dict) -> str | None:
    label = row.get("label")
    if label == "answer":
        return None  # a bare slot value ("yes, from 9") says nothing either way
    if label == "smalltalk":
        return "praise" if "thank" in row.get("intents", []) else "chatter"
    if label == "complaint":
        return "complaint"
    if row.get("category") == "hotels" and "booking" in row.get("intents", []):
        return "purchase"
    return "question" if looks_like_question(row["text"]) else "request"


def shipped_rows(data_dir: Path) -> list[dict]:
    """The training rows of the shipped weights: {'text', 'needs_response', 'intent'}."""
    rows = []
    for _, row in read_jsonl(data_dir / "triage" / "banking77.jsonl"):
        rows.append({"text": row["text"], "needs_response": True, "intent": banking77_intent(row["label"], row["text"])})
    for _, row in read_jsonl(data_dir / "triage" / "nlupp.jsonl"):
        intent = nlupp_intent(row)
        if intent is not None:
            rows.append({"text": row["text"], "needs_response": intent in RESPONSIVE, "intent": intent})
    rows.extend(own_examples.examples())
    return rows


def labelled_rows(path: Path) -> list[dict]:
    """Rows of a labelled JSONL file: `text` and `needs_response` (true/false;
    null rows are skipped), optional `intent`."""
    rows = []
    for number, row in read_jsonl(path):
        text, needs = row.get("text"), row.get("needs_response")
        if not isinstance(text, str) or not text.strip():
            raise BadRow(f"{path}:{number}: field 'text' must be a non-empty string")
        if needs is None:
            continue
        if not isinstance(needs, bool):
            raise BadRow(f"{path}:{number}: field 'needs_response' must be true, false or null")
        intent = row.get("intent")
        if intent is not None and intent not in INTENTS:
            raise BadRow(f"{path}:{number}: field 'intent' must be one of {', '.join(INTENTS)}")
        rows.append({"text": text, "needs_response": needs, "intent": intent})
    return rows
