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
- Salesforce (local HTTPS Salesforce): the same cold lookup, and Tasks written
  at the connector's default pace (25 requests a second); Salesforce's limit
  is a daily quota, so what matters is the API calls each write costs
  (read from Sforce-Limit-Info), which sets how many writes a day's quota carries.
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
        calls = len(hub.calls)
        elapsed = await _drain_writes(crm, db, clock)
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


async def _drain_writes(crm, db, clock) -> float:
    async with db.transaction() as s:
        await s.execute(t.Outbox.__table__.delete().where(t.Outbox.kind != "crm.write"))
    started = time.perf_counter()
    while True:
        await crm.worker.run_due()
        async with db.sessions() as s:
            left = (await s.execute(select(func.count()).select_from(t.Outbox).where(t.Outbox.status != "sent"))).scalar_one()
        if not left:
            return time.perf_counter() - started
        clock.advance(timedelta(seconds=5))


async def _run_salesforce(n: int) -> dict:
    from integrations.crm.salesforce import SalesforceDirectory
    from integrations.crm.salesforce.auth import TimeoutSession
    from tests.core.harness import WORKSPACE
    from tests.crm.salesforce_setup import SECRETS, seed as sf_seed
    from tests.crm.test_salesforce_loop import crm_yaml
    from tests.emulators.salesforce import SalesforceEmulator
    from tests.emulators.tls import self_signed

    folder = Path(tempfile.mkdtemp(prefix="crm-bench-sf-"))
    cert, context = self_signed(folder)
    sf = await SalesforceEmulator(context, page_size=200).start()
    sf_seed(sf)
    for i in range(n):
        account = sf.add("Account", Name=f"Shop {i}", Rating="Warm")
        sf.add("Contact", FirstName="Rider", LastName=str(i), Email=f"r{i}@example.com", AccountId=account,
               Twitter_Handle__c=f"rider{i}")
    ws = parse_workspace(WORKSPACE + crm_yaml(sf.url), "bench.yaml")
    session = TimeoutSession(5)
    session.verify = str(cert)
    db = await Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}").start()
    clock = ManualClock(T0)
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    crm = Crm(ws, db, clock, SalesforceDirectory(ws.crm, SECRETS, session=session))
    try:
        await core.pipeline.ingest([mention(i + 1, f"@acme order {i} broken", handle=f"rider{i}") for i in range(n)])
        async with db.sessions() as s:
            authors = list((await s.execute(select(t.Author).order_by(t.Author.id))).scalars())
        pace = crm.directory.pacer.requests
        crm.directory.pacer.requests = 10_000  # lookups timed without pacing: latency, not the limit
        cold = []
        for author in authors:
            started = time.perf_counter()
            await crm.reads.update(author, None, [])
            cold.append(time.perf_counter() - started)
        crm.directory.pacer.requests = pace
        crm.directory.pacer.sent.clear()
        used = sf.api_used
        elapsed = await _drain_writes(crm, db, clock)
        return {"sf_enrich_cold_p50_ms": _ms(cold, 50), "sf_enrich_cold_p95_ms": _ms(cold, 95),
                "sf_writes_per_s": round(n / elapsed, 2), "sf_pace_per_s": ws.crm.rate_limit.requests / ws.crm.rate_limit.per_seconds,
                "sf_api_calls_per_write": round((sf.api_used - used) / n, 2), "sf_tasks": len(sf.records["Task"])}
    finally:
        await db.close()
        await sf.close()


def run(quick: bool, note) -> dict:
    n = 60 if quick else 200
    note(f"{n} authors and {n} notes against the local HubSpot, limit {LIMIT[0]} requests per {LIMIT[1]:g} s")
    figures = asyncio.run(_run(n))
    note(f"{n} authors and {n} Tasks against the local Salesforce")
    return figures | asyncio.run(_run_salesforce(n))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv, print)))
