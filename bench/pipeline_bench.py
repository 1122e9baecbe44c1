"""Pipeline throughput: normalize → dedupe → route (lazy enrichment) →
enrich the matches → persist them as cases, on a SQLite file."""
from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path

from bench.routing_data import make_workload
from bot.app.root import BATCH  # the batch size `rejoinder run` uses
from bot.clock import SystemClock
from bot.config.workspace import Team, Workspace
from bot.core import Core
from bot.drafting.template import TemplateDrafter
from bot.intake.enrich import preload
from bot.store.db import Database



async def _measure(workload, count: int) -> tuple[float, float, int]:
    teams = sorted({r.team for r in workload.routes})
    ws = Workspace(teams=[Team(name=name, channel=f"#{name}") for name in teams], routes=workload.routes,
                   organisation={"name": "Acme", "handles": {"x": "acme", "bluesky": "acme.bsky.social"}})
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}").start()
        drafter = TemplateDrafter()
        core = Core(ws, db, SystemClock(), drafter, drafter)
        mentions = workload.mentions[:count]
        # One-time loads per process, like building the router above, and a
        # collection of the workload just built (else the first full garbage
        # collections walk its ~100k fresh objects inside the timed loop): the
        # clock measures steady throughput, not start-up.
        preload()
        gc.collect()
        stored = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(mentions), BATCH):
            results = await core.pipeline.ingest(mentions[start:start + BATCH])
            stored += sum(1 for r in results if r.outcome in ("opened", "joined"))
        elapsed = time.perf_counter() - wall, time.process_time() - cpu
        await db.close()
    return elapsed[0], elapsed[1], stored


def run(quick: bool, note) -> dict:
    workload = make_workload()
    count = 30_000 if quick else len(workload.mentions)
    wall, cpu, stored = asyncio.run(_measure(workload, count))
    note(f"pipeline: {count:,} mentions in batches of {BATCH}, {stored:,} stored as cases on SQLite "
         f"(10k routes; VADER and language detection only for mentions a route keeps)")
    return {
        "pipeline_mentions": count,
        "pipeline_stored": stored,
        "pipeline_mps": round(count / wall),
        "pipeline_mps_cpu": round(count / cpu),
    }
