"""`rejoinder timeline export`: every case and customer timeline event as CSV
or JSON Lines, oldest first, streamed (a long history never sits in memory)."""
from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TextIO

from sqlalchemy import literal, null, select, union_all

from bot.clock import aware
from bot.store import tables as t
from bot.store.db import Database

COLUMNS = ("at", "timeline", "case_id", "customer_id", "kind", "actor", "network", "team", "route", "detail")


def _query(since: datetime | None):
    cases = (select(t.CaseEvent.at, literal("case").label("timeline"), t.CaseEvent.case_id, t.Case.customer_id,
                    t.CaseEvent.kind, t.CaseEvent.actor, t.Case.network, t.Case.team, t.Case.route,
                    t.CaseEvent.detail.label("detail"), null().label("summary"), t.CaseEvent.id)
             .join(t.Case, t.Case.id == t.CaseEvent.case_id))
    customers = select(t.CustomerEvent.at, literal("customer"), t.CustomerEvent.case_id, t.CustomerEvent.customer_id,
                       t.CustomerEvent.kind, null(), t.CustomerEvent.network, null(), null(), null(),
                       t.CustomerEvent.summary, t.CustomerEvent.id)
    if since is not None:
        cases, customers = cases.where(t.CaseEvent.at >= since), customers.where(t.CustomerEvent.at >= since)
    both = union_all(cases, customers).subquery()
    return select(both).order_by(both.c.at, both.c.timeline, both.c.id)


async def events(db: Database, since: datetime | None = None) -> AsyncIterator[dict]:
    async with db.sessions() as s:
        result = await s.stream(_query(since))
        async for row in result:
            m = row._mapping
            detail = m["detail"] if m["detail"] is not None else ({"summary": m["summary"]} if m["summary"] else {})
            if isinstance(detail, str):  # some drivers hand back JSON of a union as text
                detail = json.loads(detail)
            yield {"at": aware(m["at"]).isoformat(), "timeline": m["timeline"], "case_id": m["case_id"],
                   "customer_id": m["customer_id"], "kind": m["kind"], "actor": m["actor"], "network": m["network"],
                   "team": m["team"], "route": m["route"], "detail": detail}


async def export(db: Database, out: TextIO, fmt: str, since: datetime | None = None) -> int:
    writer = csv.DictWriter(out, COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    n = 0
    async for event in events(db, since):
        if writer:
            writer.writerow({**event, "detail": json.dumps(event["detail"], ensure_ascii=False, sort_keys=True)})
        else:
            out.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n
