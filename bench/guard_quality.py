"""How well the guardrails judge labelled replies, and how fast.

    python bench/guard_quality.py [--bad FILE ...] [--good FILE ...] [--config rejoinder.yaml]

Bad files hold replies that must be caught, one JSON object a line with
`text`, `family` (phone, email, card, address, link, confidential, banned,
profanity, promise_<kind>) and optionally `network` and `obfuscation`. Good
files hold replies a brand would really post (`text`, optional `network`).
Prints, per guardrail family, the catch rate on bad replies and the
false-block rate on good replies, then batch throughput, as a table and one
JSON line. Defaults: the development sets in bench/data/guardrails/ (written
by the project, see the README there) and the workspace file next to them.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config.loader import load_workspace  # noqa: E402
from bot.guardrails import Guardrails  # noqa: E402
from bot.guardrails.batch import check_lines  # noqa: E402

DATA = ROOT / "bench" / "data" / "guardrails"
CONFIG = DATA / "workspace.yaml"
# Which findings catch which family: the rule, and for personal data the words of the reason.
_PII_WORDS = {"phone": "phone number", "email": "email address", "card": "payment card", "address": "street address"}
TARGETS = {"catch_rate": 0.95, "false_block_rate": 0.02, "replies_per_s": 2000}


def family_of(finding: dict) -> str | None:
    rule = finding["rule"]
    if rule == "pii":
        return next((family for family, words in _PII_WORDS.items() if words in finding["reason"]), "pii")
    return {"links": "link", "confidential": "confidential", "banned_terms": "banned", "profanity": "profanity",
            "promise": "promise"}.get(rule, rule)


def _read(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    print(f"{path}:{number}: not JSON ({exc.msg}); line skipped.", file=sys.stderr)
    return rows


def _guardrails(config: Path) -> Guardrails:
    ws = load_workspace(config)
    return Guardrails(ws.guidelines, dict(ws.organisation.handles), contacts=ws.organisation.contacts)


def _one_mb(guard: Guardrails, text: str) -> float:
    text = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    started = time.process_time()
    guard.check(text, "reddit")
    return round(time.process_time() - started, 2)


def _linear_time(guard: Guardrails) -> dict[str, float]:
    """CPU seconds to check 1 MB of text of a few worst-case shapes."""
    rng = random.Random(7)
    phones = "".join(f"call {rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)} today, "
                     for _ in range(40_000))
    return {
        "phone_numbers": _one_mb(guard, phones),
        "links": _one_mb(guard, "https://acme.com/x?url=https://evil.example/y refund.support "),
        "spelled_out_letters": _one_mb(guard, "r e f u n d f.u.c.k P-r-o-j-e-c-t "),
        "emails_and_cards": _one_mb(guard, "jo at gmail dot com 4111.1111.1111.1111 12 Main Street "),
    }


def measure(bad_paths=None, good_paths=None, config: Path | None = None, *, timing: bool = True) -> dict:
    """Catch rate per family on bad replies, false-block rate per family on
    good replies, and throughput. Paths default to the development sets."""
    bad_paths = [Path(p) for p in bad_paths] if bad_paths else sorted(DATA.glob("bad_*.jsonl"))
    good_paths = [Path(p) for p in good_paths] if good_paths else sorted(DATA.glob("good_*.jsonl"))
    guard = _guardrails(Path(config) if config else CONFIG)
    bad, good = _read(bad_paths), _read(good_paths)
    lines = [json.dumps({"text": r["text"], "network": r.get("network", "x")}) for r in bad + good]
    guard.check("warm-up: loads the word lists and the profanity model", "x")
    # CPU time of this process: the machine may be shared, and the target is per core.
    started, wall = time.process_time(), time.perf_counter()
    reports = [o.report for o in check_lines(guard, lines)]
    elapsed, wall = time.process_time() - started, time.perf_counter() - wall

    caught, total = defaultdict(int), defaultdict(int)
    by_obfuscation, obfuscation_total = defaultdict(int), defaultdict(int)
    missed: list[dict] = []
    for row, report in zip(bad, reports[:len(bad)]):
        family = row["family"]
        wanted = "promise" if family.startswith("promise_") else family
        hit = any(family_of(f) == wanted for f in report["findings"])
        total[family] += 1
        caught[family] += hit
        key = row.get("obfuscation", "plain")
        obfuscation_total[key] += 1
        by_obfuscation[key] += hit
        if not hit:
            missed.append(row)
    blocks, flags = defaultdict(int), defaultdict(int)
    blocked_good = flagged_good = 0
    false_blocks: list[dict] = []
    for row, report in zip(good, reports[len(bad):]):
        block_families = {family_of(f) for f in report["findings"] if f["severity"] == "block"}
        flag_families = {family_of(f) for f in report["findings"]}
        for family in block_families:
            blocks[family] += 1
        for family in flag_families:
            flags[family] += 1
        blocked_good += bool(block_families)
        flagged_good += bool(flag_families)
        if block_families:
            false_blocks.append({"text": row["text"], "findings": report["findings"]})
    result = {
        "catch_rate": {f: round(caught[f] / total[f], 4) for f in sorted(total)},
        "catch_rate_by_obfuscation": {o: round(by_obfuscation[o] / obfuscation_total[o], 4)
                                      for o in sorted(obfuscation_total)},
        "bad_replies": len(bad),
        "caught_overall": round(sum(caught.values()) / max(len(bad), 1), 4),
        "good_replies": len(good),
        "false_block_rate": round(blocked_good / max(len(good), 1), 4),
        "false_block_rate_by_family": {f: round(n / max(len(good), 1), 4) for f, n in sorted(blocks.items())},
        "flag_rate_on_good": round(flagged_good / max(len(good), 1), 4),
        "flag_rate_on_good_by_family": {f: round(n / max(len(good), 1), 4) for f, n in sorted(flags.items())},
        "replies_per_s": round(len(lines) / elapsed) if elapsed else None,
        "replies_per_s_wall_clock": round(len(lines) / wall) if wall else None,
        "missed": missed,
        "false_blocks": false_blocks,
    }
    if timing:
        shapes = _linear_time(guard)
        result["one_mb_of_phone_numbers_s"] = shapes["phone_numbers"]
        result["one_mb_s"] = shapes
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bad", nargs="*", type=Path, help="JSONL files of replies that must be caught")
    parser.add_argument("--good", nargs="*", type=Path, help="JSONL files of brand replies that must pass")
    parser.add_argument("--config", type=Path, default=CONFIG, help="workspace file with guidelines and contacts")
    parser.add_argument("--show-misses", action="store_true", help="print every missed or falsely blocked reply")
    args = parser.parse_args(argv)
    result = measure(args.bad, args.good, args.config)

    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Guardrails on labelled replies")
    table.add_column("family")
    table.add_column("catch (bad)", justify="right")
    table.add_column("false blocks (good)", justify="right")
    table.add_column("flags, any severity (good)", justify="right")
    families = sorted(set(result["catch_rate"]) | set(result["false_block_rate_by_family"]))
    for family in families:
        catch = result["catch_rate"].get(family)
        table.add_row(family, f"{catch:.1%}" if catch is not None else "–",
                      f"{result['false_block_rate_by_family'].get(family, 0):.1%}",
                      f"{result['flag_rate_on_good_by_family'].get(family, 0):.1%}")
    table.add_row("all", f"{result['caught_overall']:.1%} of {result['bad_replies']}",
                  f"{result['false_block_rate']:.1%} of {result['good_replies']}",
                  f"{result['flag_rate_on_good']:.1%}")
    console.print(table)
    by_obfuscation = Table(title="Catch rate by obfuscation")
    by_obfuscation.add_column("obfuscation")
    by_obfuscation.add_column("catch", justify="right")
    for name, rate in result["catch_rate_by_obfuscation"].items():
        by_obfuscation.add_row(name, f"{rate:.1%}")
    console.print(by_obfuscation)
    console.print(f"batch: {result['replies_per_s']:,} replies/s on one core (target ≥ {TARGETS['replies_per_s']:,}); "
                  f"1 MB of phone numbers: {result.get('one_mb_of_phone_numbers_s')} s CPU; "
                  f"other 1 MB shapes: {result.get('one_mb_s')}")
    if args.show_misses:
        for row in result["missed"]:
            console.print(f"[red]missed[/] {row['family']}/{row.get('obfuscation')}: {row['text']!r}")
        for row in result["false_blocks"]:
            console.print(f"[yellow]false block[/] {row['text']!r}: {row['findings']}")
    figures = {k: v for k, v in result.items() if k not in ("missed", "false_blocks")}
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
