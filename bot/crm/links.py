"""Linking a social handle to a CRM contact by email, from chat. Only our own
people may link (checked here, whatever the button said), every link and
unlink is written on the timeline of the author's cases and customer, and
the cards are looked up again so they show the contact at once."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.approval_policy import NotAllowed
from bot.crm.reads import CrmReads
from bot.people.customers import clean_handle
from bot.publishing.outbox import enqueue
from bot.store import tables as t

INTERNAL = frozenset({"agent", "approver", "admin"})
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
CLOSED = ("resolved", "closed_without_reply")
# "[#12] @handle to jane@example.com", "network:handle to ...", or "unlink [network:]@handle"
LINK = re.compile(r"^(?:#?(?P<case>\d+)\s+)?(?:(?P<network>[a-z][a-z0-9_-]*):)?@?(?P<handle>[^\s:]+)"
                  r"(?:\s+(?:to\s+)?(?P<email>\S+))?\s*$", re.I)


@dataclass(frozen=True)
class LinkRequest:
    case_id: int | None
    network: str | None
    handle: str
    email: str | None


def parse(args: str, case_id: int | None) -> LinkRequest | None:
    m = LINK.match(args.strip())
    if not m:
        return None
    case = int(m.group("case")) if m.group("case") else case_id
    return LinkRequest(case, m.group("network"), clean_handle(m.group("handle")), m.group("email"))


class Links:
    def __init__(self, core, reads: CrmReads | None) -> None:
        self.core, self.reads = core, reads

    async def _network(self, s: AsyncSession, req: LinkRequest, actor) -> str:
        if req.network:
            return req.network
        if req.case_id is not None:
            case = await self.core.cases.get(s, req.case_id)
            self.core.check_visible(actor, case)
            return case.network
        return "*"  # every network

    async def link(self, actor, req: LinkRequest) -> str:
        if not actor.roles & INTERNAL:
            raise NotAllowed("Linking a handle to a CRM contact needs the agent, approver or admin role.")
        if not req.email or not EMAIL.match(req.email):
            raise NotAllowed("Link to an email address, e.g. `link @maria_k to maria@example.com`.")
        email = req.email.lower()
        async with self.core.db.transaction() as s:
            network = await self._network(s, req, actor)
            row = (await s.execute(select(t.CrmLink).where(t.CrmLink.network == network,
                                                           t.CrmLink.handle == req.handle))).scalar_one_or_none()
            if row is None:
                s.add(t.CrmLink(network=network, handle=req.handle, email=email, linked_by=actor.user.id,
                                at=self.core.clock.now()))
            else:
                row.email, row.linked_by, row.at = email, actor.user.id, self.core.clock.now()
            where = "every network" if network == "*" else network
            line = f"{actor.user.name} linked @{req.handle} ({where}) to the CRM contact {email}."
            await self._log(s, network, req.handle, actor, "crm_link", line, email=email)
            return line

    async def unlink(self, actor, req: LinkRequest) -> str:
        if not actor.roles & INTERNAL:
            raise NotAllowed("Unlinking a handle needs the agent, approver or admin role.")
        async with self.core.db.transaction() as s:
            network = await self._network(s, req, actor)
            gone = await s.execute(delete(t.CrmLink).where(t.CrmLink.network == network, t.CrmLink.handle == req.handle))
            if not gone.rowcount:
                return f"@{req.handle} was not linked" + ("" if network == "*" else f" on {network}") + "."
            line = f"{actor.user.name} unlinked @{req.handle} from its CRM contact."
            await self._log(s, network, req.handle, actor, "crm_unlink", line)
            return line

    async def _log(self, s: AsyncSession, network: str, handle: str, actor, kind: str, line: str, **detail) -> None:
        """On the timeline of the author's open cases and of their customer, with
        a fresh CRM lookup per network (also when every case is closed: a match
        writes back the interactions kept while the author was unknown)."""
        rows = (await s.execute(
            select(t.Case, t.Mention.network, t.Mention.external_id, t.Author.customer_id)
            .join(t.Mention, t.Mention.case_id == t.Case.id).join(t.Author, t.Mention.author_id == t.Author.id)
            .where(t.Author.handle.in_([handle, f"@{handle}"]) if network == "*" else
                   (t.Author.network == network) & (t.Author.handle.in_([handle, f"@{handle}"])))
            .order_by(t.Case.id.desc(), t.Mention.id))).all()
        now, seen, looked_up, customers = self.core.clock.now(), set(), set(), set()
        for case, mention_network, external_id, customer_id in rows:
            if customer_id:
                customers.add(customer_id)
            open_case = case.stage not in CLOSED and case.id not in seen
            # Each open case's card, and the latest case per network even when closed.
            if self.reads is not None and (open_case or mention_network not in looked_up):
                looked_up.add(mention_network)
                await self.reads.forget(s, mention_network, handle)
                enqueue(s, "crm.refresh", f"crm.refresh:{uuid.uuid4().hex}", now, case_id=case.id,
                        payload={"network": mention_network, "external_id": external_id, "force": True})
            if not open_case:
                continue
            seen.add(case.id)
            await self.core.cases.event(s, case, actor.user.id, kind, line, handle=handle, network=network, **detail)
        for customer_id in customers:
            s.add(t.CustomerEvent(customer_id=customer_id, at=now, kind=kind, summary=line[:500]))
