"""CRM enrichment and write-back against the local HubSpot, through the
official client over real sockets.

- card enrichment, cold: one author's lookup in HubSpot (search by handle
  field, contact, company, paged deal and ticket associations, batch reads,
  owner), as the crm.refresh outbox row does it; warm: the card's CRM panel
  read from the cache, as every card draw does.
- write-back: routed mentions written as notes by the CRM outbox worker with
  HubSpot enforcing a private app's documented limit (100 requests per 10 s,
  Free/Starter), scaled to 20 per 2 s so a run is short; the rate achieved
  against that limit, and how many 429s HubSpot had to send.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.crm.setup import Crm
from bot.drafting.template import TemplateDrafter
from bot.store import tables as t
from bot.store.db import Database
from integrations.crm.hubspot import HubSpotDirectory
from tests.core.harness import T0, mention
from tests.crm.conftest import TOKEN, seed
from tests.crm.world import crm_workspace
from tests.emulators.hubspot import HubSpotEmulator

LIMIT = (20, 2.0)  # requests per seconds: HubSpot's 100 per 10 s, scaled


def _ms(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1] * 1000, 2) if len(values) > 1 else round(values[0] * 1000, 2)


async def _run(n: int) -> dict:
    hub = await HubSpotEmulator(token=TOKEN, page_size=100).start()
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    seed(hub)
    for i in range(n):
        company = hub.add("companies", name=f"Shop {i}", tier="silver")
        contact = hub.add("contacts", firstname="Rider", lastname=str(i), email=f"r{i}@example.com",
                          twitterhandle=f"rider{i}", associatedcompanyid=company)
        deal = hub.add("deals", dealname=f"Order {i}", amount="100", dealstage="closedwon", hs_is_closed="true")
        hub.associate("contacts", contact, "deals", deal, 4)
    extra = "  rate_limit: {requests: %d, per_seconds: %s}\n" % LIMIT
    ws = parse_workspace(crm_workspace(hub.url, extra), "bench.yaml")
    db = await Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}").start()
    clock = ManualClock(T0)
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    crm = Crm(ws, db, clock, HubSpotDirectory(ws.crm, TOKEN))
    try:
        await core.pipeline.ingest([mention(i + 1, f"@acme order {i} broken", handle=f"rider{i}") for i in range(n)])
        async with db.sessions() as s:
            authors = list((await s.execute(select(t.Author).order_by(t.Author.id))).scalars())
        crm.directory.pacer.requests = 10_000  # enrichment is timed without pacing: latency, not the limit
        cold = []
        for author in authors:
            started = time.perf_counter()
            await crm.reads.update(author, None, [])
            cold.append(time.perf_counter() - started)
        warm = []
        async with db.sessions() as s:
            for author in authors:
                started = time.perf_counter()
                await crm.reads.panel(s, author.network, author.handle, redacted=False)
                warm.append(time.perf_counter() - started)
        # Write-back: only the crm.write rows, paced to the limit, with HubSpot enforcing it.
        crm.directory.pacer.requests = LIMIT[0]
        crm.directory.pacer.sent.clear()
        hub.limit = LIMIT
        async with db.transaction() as s:
            await s.execute(t.Outbox.__table__.delete().where(t.Outbox.kind != "crm.write"))
        calls = len(hub.calls)
        started = time.perf_counter()
        while True:
            await crm.worker.run_due()
            async with db.sessions() as s:
                left = (await s.execute(select(func.count()).select_from(t.Outbox)
                                        .where(t.Outbox.status != "sent"))).scalar_one()
            if not left:
                break
            clock.advance(timedelta(seconds=5))  # a row that met a 429 is due again
        elapsed = time.perf_counter() - started
        made = hub.calls[calls:]
        return {
            "crm_enrich_cold_p50_ms": _ms(cold, 50), "crm_enrich_cold_p95_ms": _ms(cold, 95),
            "crm_card_warm_p50_ms": _ms(warm, 50), "crm_card_warm_p95_ms": _ms(warm, 95),
            "crm_writes": n, "crm_writes_per_s": round(n / elapsed, 2),
            "crm_limit_per_s": LIMIT[0] / LIMIT[1], "crm_429s": sum(1 for c in made if c.status == 429),
            "crm_notes": len(hub.objects["notes"]),
        }
    finally:
        await db.close()
        await hub.close()


def run(quick: bool, note) -> dict:
    n = 60 if quick else 200
    note(f"{n} authors and {n} notes against the local HubSpot, limit {LIMIT[0]} requests per {LIMIT[1]:g} s")
    return asyncio.run(_run(n))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv, print)))
