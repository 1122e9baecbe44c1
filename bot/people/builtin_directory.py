"""The built-in customer directory behind the CustomerDirectory port, so a
workspace without an outside CRM (`crm: {type: builtin}`) gets the same card
section, suggestions, links and write-back as one with HubSpot or Salesforce.
Mentions and replies are already on its timeline (written with the case);
resolutions and escalations are added once each, by key."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from bot.people.customers import OPEN_STAGES_EXCLUDED, CustomerDirectory as Tables
from bot.ports import Interaction
from bot.store import tables as t
from bot.store.db import Database
from bot.types import CrmContact, CrmItem, CrmProfile

ON_TIMELINE_ALREADY = ("mention", "reply")


class BuiltinDirectory:
    name = "builtin"

    def __init__(self, db: Database) -> None:
        self.db, self.tables = db, Tables()

    @staticmethod
    def _contact(c: t.Customer) -> CrmContact:
        return CrmContact(id=str(c.id), name=c.name, email=c.email)

    async def find_contact(self, *, network=None, handle=None, email=None) -> CrmContact | None:
        async with self.db.sessions() as s:
            if email:
                found = (await s.execute(select(t.Customer).where(func.lower(t.Customer.email) == email.lower()))).scalar_one_or_none()
            elif network and handle:
                customer_id = await self.tables.resolve(s, network, handle)
                found = await s.get(t.Customer, customer_id) if customer_id else None
            else:
                found = None
            return self._contact(found) if found else None

    async def suggest(self, name: str, emails: list[str]) -> list[CrmContact]:
        conditions = [func.lower(t.Customer.email).in_([e.lower() for e in emails])] if emails else []
        if name.strip():
            conditions.append(func.lower(t.Customer.name) == name.strip().lower())
        if not conditions:
            return []
        async with self.db.sessions() as s:
            rows = (await s.execute(select(t.Customer).where(or_(*conditions)).order_by(t.Customer.id).limit(3))).scalars()
            return [self._contact(c) for c in rows]

    async def profile(self, contact: CrmContact) -> CrmProfile:
        async with self.db.sessions() as s:
            view = await self.tables.view(s, int(contact.id))
            cases = (await s.execute(select(t.Case).where(t.Case.customer_id == int(contact.id),
                                                          t.Case.stage.not_in(OPEN_STAGES_EXCLUDED))
                                     .order_by(t.Case.id.desc()).limit(3))).scalars().all()
        orders = tuple(CrmItem("order", o.number, o.status, o.total, o.placed_at) for o in view.recent_orders)
        return CrmProfile(contact=contact, tier=view.tier, lifetime_value=view.lifetime_value,
                          currency=view.recent_orders[0].currency if view.recent_orders else None, recent=orders,
                          open_tickets=tuple(CrmItem("case", f"#{c.id} {c.route}", c.stage) for c in cases))

    async def find_interaction(self, key: str, contact: CrmContact | None = None) -> str | None:
        async with self.db.sessions() as s:
            found = (await s.execute(select(t.CustomerEvent.id).where(t.CustomerEvent.key == key))).scalar_one_or_none()
        return str(found) if found is not None else None

    async def log_interaction(self, contact: CrmContact, interaction: Interaction) -> str:
        if interaction.event in ON_TIMELINE_ALREADY:
            return "timeline"
        async with self.db.transaction() as s:
            event = t.CustomerEvent(customer_id=int(contact.id), at=datetime.fromisoformat(interaction.at),
                                    kind=interaction.event, case_id=interaction.case_id, network=interaction.network,
                                    summary=f"case {interaction.case_id}: {interaction.text}"[:500], key=interaction.key)
            s.add(event)
            await s.flush()
            return str(event.id)

    # Tickets belong to an outside CRM; the built-in directory's cases are Rejoinder's own.
    async def open_ticket(self, contact: CrmContact, key: str, subject: str, body: str) -> str:
        return "case"

    async def find_ticket(self, key: str, contact: CrmContact | None = None) -> str | None:
        return None

    async def close_ticket(self, ticket_id: str) -> None:
        return None

    async def check(self) -> list[str]:
        return []
