"""A Rejoinder process for the crash test: the real pipeline and CRM outbox
worker on a database file and a local HubSpot (or Salesforce). With `ingest`, it first takes
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


def connector(url: str, token: str):
    """HubSpot with its token, or (token "salesforce:<CA file>") the local Salesforce."""
    if not token.startswith("salesforce:"):
        return parse_workspace(crm_workspace(url), "test.yaml"), lambda ws: HubSpotDirectory(ws.crm, token)
    from integrations.crm.salesforce import SalesforceDirectory
    from integrations.crm.salesforce.auth import TimeoutSession
    from tests.core.harness import WORKSPACE
    from tests.crm.salesforce_setup import SECRETS
    from tests.crm.test_salesforce_loop import crm_yaml

    def build(ws):
        session = TimeoutSession(5)
        session.verify = token.split(":", 1)[1]
        return SalesforceDirectory(ws.crm, SECRETS, session=session)
    return parse_workspace(WORKSPACE + crm_yaml(url), "test.yaml"), build


async def main(db_url: str, url: str, token: str, ingest: bool) -> None:
    ws, build = connector(url, token)
    db = await Database(db_url).start()
    clock = SystemClock()
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    crm = Crm(ws, db, clock, build(ws))
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
