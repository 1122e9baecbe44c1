"""Draft versions of a case's reply. Every version — machine or human —
passes the guardrails before anyone can approve it."""
from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.approval_policy import CaseRisk, DraftFacts, Policy
from bot.clock import Clock
from bot.config.workspace import Workspace
from bot.people.customers import CustomerDirectory
from bot.ports import Drafter
from bot.store import tables as t
from bot.types import DraftRequest, DraftResult, DraftView, Finding

log = logging.getLogger(__name__)


def findings_from_rows(rows: list[dict]) -> tuple[Finding, ...]:
    return tuple(Finding(f["rule"], f["severity"], f["reason"]) for f in rows)


def addressee(rows: list, is_incident: bool) -> str | None:
    """The handle the published reply answers, picked as publishing picks its
    target from (Mention, Author) rows in posting order: an incident answers
    its first live post, a conversation its latest."""
    live = [author.handle for mention, author in rows if not mention.deleted]
    if not live:
        return None
    return live[0] if is_incident else live[-1]


class DraftService:
    def __init__(self, ws: Workspace, clock: Clock, guardrails, drafter: Drafter, fallback: Drafter,
                 directory: CustomerDirectory, policy: Policy) -> None:
        self.ws, self.clock, self.guardrails = ws, clock, guardrails
        self.drafter, self.fallback = drafter, fallback
        self.directory, self.policy = directory, policy

    def length_limit(self, network: str, author_handle: str | None = None) -> int:
        """The limit the guardrails will hold the reply to, so drafts aim at it."""
        limit = self.guardrails.length_limit(network, author_handle)
        return limit if limit is not None else 2000

    def signed(self, text: str, name: str) -> str:
        """Add the requester's initials when the guidelines require a sign-off
        (e.g. `^DR`) and the machine draft lacks one."""
        pattern = self.ws.guidelines.sign_off
        if not pattern or re.search(pattern, text.strip()):
            return text
        words = name.split()
        initials = (words[0][0] + words[-1][0]) if len(words) > 1 else name[:2]
        candidate = f"{text.rstrip()} ^{initials.upper()}"
        return candidate if re.search(pattern, candidate) else text

    async def request(self, s: AsyncSession, case: t.Case, instruction: str | None) -> DraftRequest:
        mentions = list((await s.execute(
            select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
            .where(t.Mention.case_id == case.id).order_by(t.Mention.created_at, t.Mention.id)
        )).all())
        target, author = mentions[-1]
        published = (await s.execute(
            select(t.Draft.text).join(t.Outbox, t.Outbox.draft_id == t.Draft.id)
            .where(t.Draft.case_id == case.id, t.Outbox.status == "sent", t.Outbox.kind == "publish.reply")
        )).scalars().all()
        conversation = [(f"@{a.handle}", m.text) for m, a in mentions[:-1]] + [("us", text) for text in published]
        customer = await self.directory.view(s, case.customer_id, redacted=True) if case.customer_id else None
        previous = await self.current(s, case.id)
        return DraftRequest(
            case_id=case.id, network=case.network, author_name=author.name or author.handle, author_handle=author.handle,
            mention_text=target.text, conversation=conversation, customer=customer, labels=tuple(case.labels),
            guidelines=self.ws.guidelines.text, brand_voice=self.ws.guidelines.brand_voice,
            # Room for the sign-off added after drafting.
            length_limit=self.length_limit(case.network, addressee(mentions, case.is_incident))
            - (4 if self.ws.guidelines.sign_off else 0),
            instruction=instruction,
            previous_draft=previous.text if previous else None, flags=frozenset(case.flags),
        )

    async def generate(self, req: DraftRequest) -> tuple[DraftResult, str | None]:
        """Ask the configured drafter; if it fails, fall back to the template
        library and say why, so nobody is left without a draft."""
        try:
            return await self.drafter.draft(req), None
        except Exception as exc:  # noqa: BLE001 - any drafter failure falls back
            if self.drafter is self.fallback:
                raise
            log.warning("drafter %s failed for case %s: %s", self.drafter.name, req.case_id, exc)
            return await self.fallback.draft(req), f"The {self.drafter.name} drafter failed ({exc}); this is a template draft."

    async def add_version(self, s: AsyncSession, case: t.Case, text: str, author: str, source: str,
                          rationale: str = "", confidence: float = 1.0, needs_escalation: bool = False) -> t.Draft:
        customer = await self.directory.view(s, case.customer_id) if case.customer_id else None
        rows = list((await s.execute(
            select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
            .where(t.Mention.case_id == case.id).order_by(t.Mention.created_at, t.Mention.id)
        )).all())
        root = max(rows, key=lambda row: row[0].id, default=None)  # the newest post, for the echo check
        # The author the reply will answer: the publisher's "@author " and so the length limit depend on it.
        findings = self.guardrails.check(text, case.network, customer=customer,
                                         mention_text=root[0].text if root else None,
                                         author_handle=addressee(rows, case.is_incident))
        latest = await self.current(s, case.id)
        draft = t.Draft(
            case_id=case.id, version=(latest.version + 1) if latest else 1, text=text, author=author, source=source,
            rationale=rationale, confidence=confidence, needs_escalation=needs_escalation,
            findings=[{"rule": f.rule, "severity": f.severity, "reason": f.reason} for f in findings],
            blocked=any(f.severity == "block" for f in findings), created_at=self.clock.now(),
        )
        s.add(draft)
        await s.flush()
        return draft

    async def current(self, s: AsyncSession, case_id: int) -> t.Draft | None:
        return (await s.execute(
            select(t.Draft).where(t.Draft.case_id == case_id).order_by(t.Draft.version.desc()).limit(1)
        )).scalar_one_or_none()

    async def facts(self, s: AsyncSession, draft: t.Draft) -> DraftFacts:
        authors = set((await s.execute(select(t.Draft.author).where(t.Draft.case_id == draft.case_id))).scalars())
        approved = set((await s.execute(
            select(t.Approval.approver).where(t.Approval.draft_id == draft.id, t.Approval.decision == "approve")
        )).scalars())
        findings = findings_from_rows(draft.findings)
        return DraftFacts(
            draft_id=draft.id,
            # Who asked for a machine draft counts as its author for the four-eyes rule.
            authors=frozenset(a for a in authors if not a.startswith("drafter:")),
            blocked_reasons=tuple(f.reason for f in findings if f.severity == "block"),
            approved_by=frozenset(approved),
            has_promise=any(f.rule == "promise" for f in findings) or draft.needs_escalation,
        )

    async def risk(self, s: AsyncSession, case: t.Case) -> CaseRisk:
        followers = (await s.execute(
            select(t.Author.followers).join(t.Mention, t.Mention.author_id == t.Author.id).where(t.Mention.case_id == case.id)
        )).scalars().all()
        return CaseRisk(max(followers, default=0), frozenset(case.labels), frozenset(case.flags))

    async def view(self, s: AsyncSession, case: t.Case) -> DraftView | None:
        draft = await self.current(s, case.id)
        if draft is None:
            return None
        facts = await self.facts(s, draft)
        return DraftView(
            draft_id=draft.id, version=draft.version, text=draft.text, author=draft.author, source=draft.source,
            findings=findings_from_rows(draft.findings), approvals=tuple(sorted(facts.approved_by)),
            approvals_required=self.policy.approvals_required(await self.risk(s, case), facts),
        )
