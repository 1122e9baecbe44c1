"""Spike detection and reports.

Spikes: generated series (daily and weekly rhythm, Poisson noise) with
spikes of known start and size in the last weeks; the detector runs at every
5-minute bucket, as the service would, and we count how long each spike took
to be alerted and how many alerts fired outside any spike (per week).

Reports: a SQLite file with N cases (1M by default, 50k with --quick), one
mention each, drafts and approvals for a third; the whole report (SQL
figures, charts, HTML, CSV) is timed on one core: the process pins itself
to one CPU (as `taskset -c 0` would) before the database thread starts, and
both the wall time and the CPU time of the process (every thread, the
database's included) are reported. On a machine other work shares, the CPU
time is the figure to compare with the target; the wall time shows the
waiting on top of it."""
from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.spike_data import START, series
from bot.config.insights import Spikes
from bot.config.workspace import Team, Workspace
from bot.insights.reports.service import Reports
from bot.insights.spikes import Detector, Settings
from bot.clock import ManualClock
from bot.store.db import Database

WEEK = 7 * 24 * 12  # 5-minute buckets
SPIKES = [(2, 10, 4.0), (3, 15, 3.0), (5, 20, 5.0), (8, 3, 4.0), (10, 13, 6.0), (12, 9, 3.5)]  # (day, hour, × usual)


def spike_figures(weeks_checked: int, seeds: int) -> dict:
    settings = Settings.of(Spikes())
    delays, missed, false_alerts, checked_weeks = [], 0, 0, 0
    for seed in range(seeds):
        history = 4
        total = history + weeks_checked
        base = 30.0
        planned = []
        for day, hour, times in SPIKES:
            if day >= weeks_checked * 7:
                continue
            at = history * WEEK + day * 288 + hour * 12 + seed * 7
            planned.append((at, 18, base * (times - 1) * 1.3 / 12))  # 90 minutes at about `times` the usual
        counts, negatives = series(total, base, planned, seed=100 + seed)
        detector = Detector(settings)
        open_spike = False
        found: dict[int, int] = {}
        for end in range(history * WEEK, total * WEEK):
            lasting = detector.evaluate(counts[:end], negatives[:end], START).lasting
            if lasting and not open_spike:
                bucket = end - 1
                owner = next((at for at, length, _x in planned if at <= bucket < at + length + 12), None)
                if owner is None:
                    false_alerts += 1
                elif owner not in found:
                    found[owner] = bucket - owner
            open_spike = lasting
        missed += len(planned) - len(found)
        delays += [5 * (d + 1) for d in found.values()]
        checked_weeks += weeks_checked
    return {
        "spike_delay_mean_min": round(sum(delays) / len(delays), 1) if delays else None,
        "spike_delay_max_min": max(delays) if delays else None,
        "spikes_missed": missed,
        "spike_false_alerts_per_week": round(false_alerts / checked_weeks, 2),
    }


def fill(path: Path, cases: int) -> datetime:
    """Rows straight into SQLite: the schema is the migrated one."""
    rng = random.Random(1)
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    routes = [("support", "support"), ("outage", "support"), ("sales", "sales"), ("praise", "pr"), ("dealer", "dealer")]
    stages = ["new", "triaged", "awaiting_approval", "published", "resolved", "closed_without_reply"]
    words = "order delivery refund battery app checkout love great broken late thanks brake motor warranty".split()
    con = sqlite3.connect(path)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    con.executemany("INSERT INTO authors (id, network, handle, name, followers) VALUES (?, ?, ?, '', ?)",
                    [(i, "x", f"user{i}", int(rng.paretovariate(1.2) * 50)) for i in range(1, 50_001)])
    case_rows, mention_rows, draft_rows, approval_rows = [], [], [], []
    for i in range(1, cases + 1):
        opened = now - timedelta(seconds=rng.randrange(14 * 86400))
        route, team = rng.choice(routes)
        first = opened + timedelta(minutes=rng.expovariate(1 / 60)) if rng.random() < 0.8 else None
        closed = first + timedelta(hours=rng.expovariate(1 / 6)) if first and rng.random() < 0.7 else None
        case_rows.append((i, f"x:{i}", team, route, "normal", "[]", "[]", rng.choice(stages), "x", 0, 0,
                          opened.strftime(fmt), (opened + timedelta(hours=2)).strftime(fmt),
                          first.strftime(fmt) if first else None, closed.strftime(fmt) if closed else None,
                          (opened + timedelta(hours=24)).strftime(fmt)))
        sentiment = rng.uniform(-1, 1)
        mention_rows.append((i, "x", str(i), rng.randrange(1, 50_001), i, " ".join(rng.sample(words, 5)),
                             opened.strftime(fmt), opened.strftime(fmt), f"x:{i}", sentiment, "[]", route, "[]", "{}", 0))
        if i % 3 == 0:
            blocked = i % 30 == 0
            findings = '[{"rule": "pii", "severity": "block", "reason": "r"}]' if blocked else "[]"
            draft_rows.append((i // 3, i, 1, "text", "sam", "template", "", 1.0, 0, findings, blocked, opened.strftime(fmt)))
            if not blocked:
                approval_rows.append((i // 3, i // 3, i, "dana", "approve", "",
                                      (opened + timedelta(minutes=rng.expovariate(1 / 20))).strftime(fmt)))
    con.executemany("INSERT INTO cases (id, conversation_key, team, route, priority, labels, flags, stage, network, "
                    "high_risk, is_incident, opened_at, sla_due_at, first_response_at, closed_at, resolve_due_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", case_rows)
    con.executemany("INSERT INTO mentions (id, network, external_id, author_id, case_id, text, created_at, ingested_at, "
                    "conversation_key, sentiment, flags, route, matched, reply_ref, deleted) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mention_rows)
    con.executemany("INSERT INTO drafts (id, case_id, version, text, author, source, rationale, confidence, "
                    "needs_escalation, findings, blocked, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", draft_rows)
    con.executemany("INSERT INTO approvals (id, draft_id, case_id, approver, decision, reason, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", approval_rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return now


async def report_seconds(cases: int, note) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = await Database(url).start()
        await db.close()
        started = time.perf_counter()
        now = fill(Path(tmp) / "bench.db", cases)
        note(f"{cases:,} cases written in {time.perf_counter() - started:.1f} s")
        ws = Workspace(teams=[Team(name=n, channel=f"#{n}", partner=n == "dealer") for n in ("support", "sales", "pr", "dealer")])
        db = await Database(url).start()
        try:
            reports = Reports(db, ws, ManualClock(now))
            wall, cpu = time.perf_counter(), time.process_time()
            built = await reports.build(reports.scope_for(now - timedelta(days=7), now), Path(tmp) / "report")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            await db.close()
    note(built.headline())
    return {"report_cases": cases, "report_wall_s": round(wall, 1), "report_cpu_s": round(cpu, 1),
            "report_charts": len(built.charts), "report_target_s": 30}


def pin_to_one_core() -> list[int]:
    """Run on one CPU from here on (threads started later inherit it); returns the CPUs allowed."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {allowed[0]})
    return sorted(os.sched_getaffinity(0))


def run(quick: bool, note) -> dict:
    figures = spike_figures(weeks_checked=1 if quick else 2, seeds=1 if quick else 3)
    figures["report_cores"] = pin_to_one_core()
    figures.update(asyncio.run(report_seconds(50_000 if quick else 1_000_000, note)))
    return figures


if __name__ == "__main__":
    import sys

    print(run("--quick" in sys.argv, print))
