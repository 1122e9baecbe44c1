"""Builds the platform-neutral Card for a case, redacted for partners."""
from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.customers import CustomerDirectory
from bot.cases.drafts import DraftService
from bot.insights.advocates import advocate_label
from bot.store import tables as t
from bot.types import Author, Card

ACTIONS_BY_STAGE = {
    "awaiting_approval": ("approve", "edit", "reject", "assign", "escalate"),
    "approved": ("resolve",),
    "published": ("resolve",),
    "resolved": (),
    "closed_without_reply": (),
}
DEFAULT_ACTIONS = ("draft", "assign", "escalate", "resolve")


def sentiment_label(score: float) -> str:
    return "negative" if score <= -0.05 else "positive" if score >= 0.05 else "neutral"


class CardBuilder:
    def __init__(self, drafts: DraftService, directory: CustomerDirectory) -> None:
        self.drafts, self.directory = drafts, directory
        self.crm = None  # bot.crm.reads.CrmReads when a CRM is configured: its cache, never a call to it

    async def build(self, s: AsyncSession, case: t.Case, *, redacted: bool) -> Card:
        rows = list((await s.execute(
            select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
            .where(t.Mention.case_id == case.id).order_by(t.Mention.created_at, t.Mention.id)
        )).all())
        root, author = rows[0]
        customer = await self.directory.view(s, case.customer_id, redacted=redacted) if case.customer_id else None
        samples = tuple(f"@{a.handle}: {m.text[:140]}" for m, a in rows[-3:]) if case.is_incident else ()
        folded = await self.folded(s, case.id) if case.is_incident else {}
        advocate = await advocate_label(s, root.author_id)
        actions = ACTIONS_BY_STAGE.get(case.stage, DEFAULT_ACTIONS)
        if advocate and "draft" in actions:
            actions = (*actions, "thank")  # an advocate's card offers a thank-you draft
        return Card(
            case_id=case.id, team=case.team, network=case.network,
            author=Author(handle=author.handle, name=author.name, followers=author.followers, url=author.url),
            mention_text=root.text, mention_url=root.url, sentiment=root.sentiment,
            sentiment_label=sentiment_label(root.sentiment), priority=case.priority, route=case.route,
            matched=tuple(root.matched), labels=tuple(case.labels) + advocate,
            flags=tuple(case.flags), stage=case.stage,
            assignee=case.assignee, sla_due_at=case.sla_due_at, customer=customer,
            draft=await self.drafts.view(s, case), mentions_in_case=len(rows),
            actions=actions,
            incident_count=len(rows) + sum(folded.values()) if case.is_incident else 0, incident_samples=samples,
            folded_cases=tuple(folded), incident_of=case.incident_of,
            mention_edited=await self.edited(s, case.id, f"{root.network}:{root.external_id}"),
            mention_deleted=root.deleted,
            crm=None if self.crm is None or case.is_incident
            else await self.crm.panel(s, author.network, author.handle, redacted=redacted),
        )

    @staticmethod
    async def edited(s: AsyncSession, case_id: int, key: str) -> bool:
        """Whether the case timeline records an edit of mention `key` ("network:external_id")."""
        return (await s.execute(select(exists().where(
            t.CaseEvent.case_id == case_id, t.CaseEvent.kind == "mention_edited",
            t.CaseEvent.detail["mention"].as_string() == key)))).scalar_one()

    @staticmethod
    async def folded(s: AsyncSession, incident_id: int) -> dict[int, int]:
        """The cases folded into an incident, oldest first, with their mention counts."""
        rows = await s.execute(
            select(t.Case.id, func.count(t.Mention.id)).outerjoin(t.Mention, t.Mention.case_id == t.Case.id)
            .where(t.Case.incident_of == incident_id).group_by(t.Case.id).order_by(t.Case.id))
        return {case_id: n for case_id, n in rows}
