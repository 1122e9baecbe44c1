"""The outbox: every external side effect is a row written in the same
transaction as the change that causes it, then carried out by a worker
(bot.publishing.outbox).

A crash between the two loses nothing (the row stays pending) and a row that
was mid-flight at the crash is retried as *uncertain*, so its handler can
check whether the effect already happened before doing it again."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t

# handler(row, uncertain) -> result dict; raise PermanentFailure to stop retrying.
Handler = Callable[[t.Outbox, bool], Awaitable[dict]]
# on_failed(row, reason): told once when a row is given up, so people hear of it.
FailureHook = Callable[[t.Outbox, str], Awaitable[None]]

# A claim counts as an attempt; one whose process stopped or died before the
# outcome was written is taken back, so restarts use up none of a row's attempts.
UNCOUNT = sql_case((t.Outbox.attempts > 0, t.Outbox.attempts - 1), else_=0)


class PermanentFailure(Exception):
    """Raised by a handler when trying again cannot help."""


class LeaseRunningOut(Exception):
    """A claimed row's lease may have run out before its turn came."""


def enqueue(session: AsyncSession, kind: str, key: str, now: datetime, *, case: t.Case | None = None,
            case_id: int | None = None, draft_id: int | None = None, payload: dict | None = None) -> t.Outbox:
    """`case` may be a case not flushed yet: the row follows it in the same flush."""
    row = t.Outbox(kind=kind, idempotency_key=key, case_id=case_id, draft_id=draft_id, payload=payload or {},
                   status="pending", attempts=0, next_attempt_at=now, created_at=now)
    if case is not None:
        row.case = case
    session.add(row)
    return row
