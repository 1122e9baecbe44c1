"""The built-in customer directory: identity resolution across handles, the
360° view shown on cards, and the customer timeline."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.lists import ByDialect
from bot.types import CustomerView, OrderView

OPEN_STAGES_EXCLUDED = ("resolved", "closed_without_reply")
# Built once per dialect; the handles are bound as one list, not coerced one by one per batch.
_BY_HANDLES = ByDialect(lambda within: select(t.Identity.network, t.Identity.handle, t.Identity.customer_id).where(
    within(t.Identity.handle, "handles")))


def clean_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else "there"


class CustomerDirectory:
    async def resolve(self, session: AsyncSession, network: str, handle: str) -> int | None:
        row = await session.execute(
            select(t.Identity.customer_id).where(t.Identity.network == network, t.Identity.handle == clean_handle(handle))
        )
        return row.scalar_one_or_none()

    async def resolve_many(self, session: AsyncSession, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """One query for a whole batch of (network, handle)."""
        if not pairs:
            return {}
        wanted = {(n, clean_handle(h)) for n, h in pairs}
        handles = {h for _, h in wanted}
        rows = await session.execute(_BY_HANDLES.on(session), {"handles": list(handles)})
        return {(n, h): cid for n, h, cid in rows if (n, h) in wanted}

    async def find(self, session: AsyncSession, query: str) -> int | None:
        """Look a customer up by email or by @handle on any network."""
        q = query.strip()
        if "@" in q[1:] and not q.startswith("@"):
            row = await session.execute(select(t.Customer.id).where(func.lower(t.Customer.email) == q.lower()))
            return row.scalar_one_or_none()
        network, _, handle = q.rpartition(":") if ":" in q else ("", "", q)
        stmt = select(t.Identity.customer_id).where(t.Identity.handle == clean_handle(handle))
        if network:
            stmt = stmt.where(t.Identity.network == network)
        return (await session.execute(stmt.limit(1))).scalar_one_or_none()

    async def view(self, session: AsyncSession, customer_id: int, *, redacted: bool = False) -> CustomerView | None:
        customer = await session.get(t.Customer, customer_id)
        if customer is None:
            return None
        orders = (
            await session.execute(
                select(t.Order).where(t.Order.customer_id == customer_id).order_by(t.Order.placed_at.desc()).limit(3)
            )
        ).scalars()
        identities = (await session.execute(select(t.Identity).where(t.Identity.customer_id == customer_id))).scalars()
        open_cases = (
            await session.execute(
                select(t.Case.id)
                .where(t.Case.customer_id == customer_id, t.Case.stage.not_in(OPEN_STAGES_EXCLUDED))
                .order_by(t.Case.id)
            )
        ).scalars()
        events = (
            await session.execute(
                select(t.CustomerEvent)
                .where(t.CustomerEvent.customer_id == customer_id)
                .order_by(t.CustomerEvent.at.desc(), t.CustomerEvent.id.desc())
                .limit(5)
            )
        ).scalars()
        return CustomerView(
            customer_id=customer.id,
            name=first_name(customer.name) if redacted else customer.name,
            tier=customer.tier,
            lifetime_value=None if redacted else customer.lifetime_value,
            email=None if redacted else customer.email,
            phone=None if redacted else customer.phone,
            handles=() if redacted else tuple(f"{i.network}:{i.handle}" for i in identities),
            recent_orders=tuple(
                OrderView(o.number, o.placed_at, None if redacted else o.total, o.currency, o.status) for o in orders
            ),
            open_cases=tuple(open_cases),
            earlier_interactions=tuple(f"{e.at:%Y-%m-%d %H:%M} {e.kind}: {e.summary}" for e in events),
            redacted=redacted,
        )

    async def log(
        self,
        session: AsyncSession,
        customer_id: int,
        kind: str,
        summary: str,
        at: datetime,
        *,
        case: t.Case | None = None,
        network: str | None = None,
    ) -> None:
        event = t.CustomerEvent(customer_id=customer_id, kind=kind, summary=summary[:500], at=at, network=network)
        if case is not None:
            event.case = case  # may not be flushed yet
        session.add(event)

    async def timeline(self, session: AsyncSession, customer_id: int, limit: int = 50) -> list[t.CustomerEvent]:
        rows = await session.execute(
            select(t.CustomerEvent)
            .where(t.CustomerEvent.customer_id == customer_id)
            .order_by(t.CustomerEvent.at, t.CustomerEvent.id)
            .limit(limit)
        )
        return list(rows.scalars())
