"""Write-back rows of authors the CRM does not know yet. Such a row is not
dropped: it is parked ("waiting") with its idempotency key, and woken when
the read cache learns the author's contact (a link made in chat, a
backfill, a later lookup that finds them). Waiting rows are not due, so
they cost nothing and raise no backlog alarm while they wait.

The park and the wake both lock the author's cache row first, so a match
stored while a row is being parked either is seen by the park (which then
retries at once) or finds the parked row and wakes it."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crm import resolve
from bot.people.customers import clean_handle
from bot.store import tables as t
from bot.store.db import Database

KINDS = ("crm.write", "crm.ticket")


class LookupPending(Exception):
    """The author has not been looked up yet: retried shortly, not parked."""


async def park(db: Database, row: t.Outbox, network: str, handle: str, system: str) -> dict:
    """Called by a handler holding `row` ("sending"): park it unless a match
    arrived meanwhile. The worker's own outcome write then finds the row no
    longer sending and leaves it as it is."""
    async with db.transaction() as s:
        cached = await s.get(t.CrmCache, resolve.subject(network, handle), with_for_update=True)
        if cached is None or cached.status != "no_match":
            # No answer stored yet (the lookup is queued), or one just came: try again soon.
            raise LookupPending(f"{system} has no answer stored for {network}:@{clean_handle(handle)} yet")
        await s.execute(update(t.Outbox).where(t.Outbox.id == row.id, t.Outbox.status == "sending")
                        .values(status="waiting", lease_holder=None, lease_until=None,
                                last_error=f"waiting for a {system} contact for {network}:@{clean_handle(handle)}")
                        .execution_options(synchronize_session=False))
    return {"waiting": f"{network}:@{clean_handle(handle)}"}


def _cases_of(network: str, handle: str):
    """The author's cases, and the incidents they were folded into."""
    h = clean_handle(handle)
    own = (select(t.Mention.case_id).join(t.Author, t.Mention.author_id == t.Author.id)
           .where(t.Author.network == network, t.Author.handle.in_([h, f"@{h}"]), t.Mention.case_id.is_not(None)))
    incidents = select(t.Case.incident_of).where(t.Case.id.in_(own), t.Case.incident_of.is_not(None))
    return own.union(incidents)


async def wake(s: AsyncSession, network: str, handle: str, now) -> int:
    """In the transaction that stores the author's match (holding its cache row)."""
    result = await s.execute(
        update(t.Outbox).where(t.Outbox.status == "waiting", t.Outbox.kind.in_(KINDS),
                               t.Outbox.case_id.in_(_cases_of(network, handle)))
        .values(status="pending", next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
