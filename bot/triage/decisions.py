"""The team's own decisions as triage training rows.

A case the team answered (a reply was published) needed a response; a case
closed without reply did not. The text is the case's first mention, the one
triage judged. Cases still open say nothing yet and are left out.
"""
from __future__ import annotations

from sqlalchemy import func, select

from bot.config.workspace import Workspace
from bot.store import tables as t
from bot.store.db import Database


def closing_stages(ws: Workspace) -> set[str]:
    """The stage each workflow's `close` action moves a case to."""
    return {wf.actions.get("close", "closed_without_reply") for wf in ws.workflows.values()}


async def decision_rows(db: Database, ws: Workspace) -> list[dict]:
    first = (select(t.Mention.case_id, func.min(t.Mention.id).label("first_id"))
             .where(t.Mention.case_id.is_not(None)).group_by(t.Mention.case_id).subquery())
    query = (select(t.Mention.text, t.Case.first_response_at.is_not(None), t.Case.stage)
             .join(first, first.c.first_id == t.Mention.id)
             .join(t.Case, t.Case.id == t.Mention.case_id)
             .order_by(t.Mention.id))
    closed = closing_stages(ws)
    rows = []
    async with db.transaction() as s:
        for text, replied, stage in await s.execute(query):
            if replied:
                rows.append({"text": text, "needs_response": True, "intent": None})
            elif stage in closed:
                rows.append({"text": text, "needs_response": False, "intent": None})
    return rows
