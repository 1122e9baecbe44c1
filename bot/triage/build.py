"""Rebuild the shipped triage model: `python -m bot.triage.build [DATA_DIR]`.

Trained on licence-clean data only (bot.triage.corpus.shipped_rows). The
three sentiment numbers and C were chosen by measuring on the airline
tweets (CC BY-NC-SA), which are never trained on: see bench/quality.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

from bot.triage import attack_families, corpus, features, hard_negatives, own_attacks, own_examples, training
from bot.triage.injection import DEFAULT_MODEL as INJECTION_MODEL
from bot.triage.model import DEFAULT_MODEL

C = 0.3
SENTIMENT = {"negative": 4.0, "positive": 4.0, "offset": 3.0}
TRAINED_ON = (
    "banking77 and NLU++ (PolyAI, CC BY 4.0) and Rejoinder's own templates (bot/triage/own_examples.py); "
    "sentiment weights and C tuned by measuring on Twitter US Airline Sentiment, not trained on it"
)


# Letter pieces beside words, a stronger penalty and a higher bar: measured
# with every source held out in turn (bench/quality.py), this catches more
# unseen attacks than words alone at fewer false alarms on customer posts.
INJECTION_C = 0.3
INJECTION_THRESHOLD = 0.85
INJECTION_THRESHOLD_ADDRESSED = 0.3  # for posts that speak of an AI, its prompt or its persona
INJECTION_SETS = ("garak_injections", "deepset_prompt_injections", "jackhhao_jailbreak_classification",
                  "bipia_email_injections")
INJECTION_TRAINED_ON = (
    "injections: garak (Apache-2.0) with in-the-wild prompts of verazuo/jailbreak_llms, PromptInject (MIT), "
    "deepset/prompt-injections (Apache-2.0), jackhhao/jailbreak-classification (MIT), BIPIA emails (MIT); "
    "benign: their benign prompts, banking77 train split and NLU++ (PolyAI, CC BY 4.0); "
    "Rejoinder's own short attacks and posts (bot/triage/own_attacks.py, attack_families.py, hard_negatives.py, "
    "own_examples.py)"
)


def injection_rows(data_dir: Path, sets: tuple[str, ...] = INJECTION_SETS, splits: tuple | None = None) -> list[dict]:
    """Rows {'text', 'needs_response' (here: is an injection)} of the injection
    sets plus real customer requests as benign examples."""
    rows = []
    for name in sets:
        for _, row in corpus.read_jsonl(data_dir / "injections" / f"{name}.jsonl"):
            if splits is None or row.get("split") in splits:
                rows.append({"text": row["text"], "needs_response": row.get("label", "injection") == "injection"})
    for _, row in corpus.read_jsonl(data_dir / "triage" / "banking77.jsonl"):
        if row["split"] == "train":
            rows.append({"text": row["text"], "needs_response": False})
    for _, row in corpus.read_jsonl(data_dir / "triage" / "nlupp.jsonl"):
        rows.append({"text": row["text"], "needs_response": False})
    # Short attacks and short harmless posts to brands, both written for Rejoinder.
    rows += own_attacks.examples() + own_attacks.quoted_speech()
    rows += attack_families.examples() + hard_negatives.examples()
    rows += [{"text": r["text"], "needs_response": False} for r in own_examples.examples()]
    return rows


def fit_injection(rows: list[dict], trained_on: str = "") -> dict:
    spec = training.fit(rows, c=INJECTION_C, analyzer=features.screen_tokens, min_df=3, min_weight=0.01)
    return {"format": "rejoinder-injection/2", "trained_on": trained_on, "threshold": INJECTION_THRESHOLD,
            "threshold_addressed": INJECTION_THRESHOLD_ADDRESSED,
            **spec["needs_response"]}


def build(data_dir: Path, out: Path = DEFAULT_MODEL) -> dict:
    spec = training.fit(corpus.shipped_rows(data_dir), c=C, trained_on=TRAINED_ON, sentiment=SENTIMENT)
    training.write(spec, out)
    return spec


def default_data_dir() -> Path:
    """The development sets beside the repository (../shared/data), looked for upwards."""
    for base in Path(__file__).resolve().parents[2:]:
        if (base / "shared" / "data" / "triage").is_dir():
            return base / "shared" / "data"
    return Path("../shared/data")


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else default_data_dir()
    spec = build(data)
    print(f"{DEFAULT_MODEL}: {len(spec['needs_response']['weights'])} weights, intents {spec['intents']['labels']}")
    injection = fit_injection(injection_rows(data), INJECTION_TRAINED_ON)
    training.write(injection, INJECTION_MODEL)
    print(f"{INJECTION_MODEL}: {len(injection['weights'])} weights")
