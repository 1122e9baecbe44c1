"""The interaction event as systems of record receive it (docs/crm-webhook.md,
schema `rejoinder.interaction/1`): the same for the webhook sink and the
timeline export's consumers."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crm.writes import interaction_for
from bot.store import tables as t

SCHEMA = "rejoinder.interaction/1"


async def interaction_event(s: AsyncSession, row: t.Outbox) -> dict | None:
    found = await interaction_for(s, row)
    if found is None:
        return None
    i, author = found
    case = await s.get(t.Case, row.case_id)
    return {
        "schema": SCHEMA, "id": row.idempotency_key, "event": i.event, "occurred_at": i.at,
        "case": {"id": case.id, "team": case.team, "route": case.route, "priority": case.priority, "stage": case.stage},
        "author": {"network": author.network, "handle": author.handle, "name": author.name},
        "customer_id": case.customer_id, "text": i.text, "url": i.url, "actor": i.actor,
    }
