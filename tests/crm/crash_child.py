"""A Rejoinder process for the crash test: the real pipeline and CRM outbox
worker on a database file and a local HubSpot. With `ingest`, it first takes
one mention from a known contact. It prints one JSON line once its CRM rows
are all carried out."""
from __future__ import annotations

import asyncio
import json
import sys

from sqlalchemy import select

from bot.clock import SystemClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.crm.setup import Crm
from bot.drafting.template import TemplateDrafter
from bot.store import tables as t
from bot.store.db import Database
from integrations.crm.hubspot import HubSpotDirectory
from tests.core.harness import mention
from tests.crm.world import crm_workspace


async def main(db_url: str, hub_url: str, token: str, ingest: bool) -> None:
    ws = parse_workspace(crm_workspace(hub_url), "test.yaml")
    db = await Database(db_url).start()
    clock = SystemClock()
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    crm = Crm(ws, db, clock, HubSpotDirectory(ws.crm, token))
    if ingest:
        await core.pipeline.ingest([mention(1, "@acme my order is broken")])
    recovered = await crm.worker.recover()
    while await crm.worker.run_due():
        pass
    async with db.sessions() as s:
        rows = (await s.execute(select(t.Outbox).where(t.Outbox.kind.startswith("crm.")).order_by(t.Outbox.id))).scalars()
        done = [{"kind": r.kind, "status": r.status, "attempts": r.attempts, "result": r.result} for r in rows]
    print(json.dumps({"recovered": recovered, "rows": done}), flush=True)
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "ingest"))
