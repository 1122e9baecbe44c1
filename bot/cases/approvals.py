"""Approve and reject drafts. Approval writes the publish row in the same
transaction, so an approved reply is published exactly once, even after a crash."""
from __future__ import annotations

from sqlalchemy import case as when, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.approval_policy import NotAllowed, Policy
from bot.cases.lifecycle import CaseService
from bot.clock import Clock
from bot.cases.drafts import DraftService
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.types import ChatUser


class ApprovalService:
    def __init__(self, cases: CaseService, drafts: DraftService, policy: Policy, clock: Clock) -> None:
        self.cases, self.drafts, self.policy, self.clock = cases, drafts, policy, clock

    async def _pending_draft(self, s: AsyncSession, case: t.Case) -> t.Draft:
        waiting = self.cases.rules[case.team].target("draft")
        draft = await self.drafts.current(s, case.id)
        if draft is None:
            raise NotAllowed(f"Case {case.id} has no draft yet; ask for one with `draft {case.id}`.")
        if case.stage != waiting:
            raise NotAllowed(f"Case {case.id} is {case.stage}; only a draft awaiting approval can be approved or rejected.")
        return draft

    @staticmethod
    async def _check_reply_target(s: AsyncSession, case: t.Case) -> None:
        """Publishing answers a post still up; refuse now rather than fail after approval."""
        posts, live = (await s.execute(
            select(func.count(t.Mention.id), func.coalesce(func.sum(when((t.Mention.deleted.is_(False), 1), else_=0)), 0))
            .where(t.Mention.case_id == case.id))).one()
        if posts and not live:
            what = "the post was deleted by its author" if posts == 1 else "every post in this conversation was deleted"
            raise NotAllowed(f"Case {case.id} cannot be approved: {what}; there is nothing to reply to.")

    @staticmethod
    async def _approved_before(s: AsyncSession, case: t.Case, draft: t.Draft | None, user_id: str) -> str | None:
        """A repeated approve (a double click, a retried command) is a no-op: what to tell the person."""
        if draft is None:
            return None
        mine = await s.scalar(select(t.Approval.id).where(
            t.Approval.draft_id == draft.id, t.Approval.approver == user_id, t.Approval.decision == "approve"))
        if mine is None:
            return None
        await s.refresh(case, ["stage"])
        return f"You already approved draft v{draft.version} of case {case.id}; nothing more to do (the case is {case.stage})."

    async def approve(self, s: AsyncSession, case: t.Case, user: ChatUser, roles: frozenset[str]) -> str:
        if said := await self._approved_before(s, case, await self.drafts.current(s, case.id), user.id):
            return said
        draft = await self._pending_draft(s, case)
        await self._check_reply_target(s, case)
        facts = await self.drafts.facts(s, draft)
        self.policy.check_approve(user.id, roles, facts)
        try:
            async with s.begin_nested():  # the same click handled twice at once: the second one finds the first
                s.add(t.Approval(draft_id=draft.id, case_id=case.id, approver=user.id, decision="approve",
                                 at=self.clock.now()))
        except IntegrityError:
            return await self._approved_before(s, case, draft, user.id) or "Already approved."
        risk = await self.drafts.risk(s, case)
        required = self.policy.approvals_required(risk, facts)
        have = len(facts.approved_by) + 1
        if have < required:
            reasons = "; ".join(self.policy.high_risk_reasons(risk, facts))
            line = f"{user.name} approved draft v{draft.version} ({have}/{required}); another approver is needed: {reasons}."
            await self.cases.event(s, case, user.id, "approval", line, draft=draft.id, count=have, required=required)
            return line
        line = f"{user.name} approved draft v{draft.version} ({have}/{required}); publishing to {case.network}."
        await self.cases.move(s, case, "approve", user.id, roles, line, draft=draft.id)
        enqueue(s, "publish.reply", f"reply:{case.id}:{draft.id}", self.clock.now(), case_id=case.id, draft_id=draft.id)
        return line

    async def reject(self, s: AsyncSession, case: t.Case, user: ChatUser, roles: frozenset[str], reason: str) -> str:
        self.policy.check_reject(roles)
        if not reason.strip():
            raise NotAllowed("Say why you reject the draft, e.g. `reject 12 too formal, mention the tracking link`.")
        draft = await self._pending_draft(s, case)
        s.add(t.Approval(draft_id=draft.id, case_id=case.id, approver=user.id, decision="reject", reason=reason,
                         at=self.clock.now()))
        line = f"{user.name} rejected draft v{draft.version}: {reason}"
        await self.cases.move(s, case, "reject", user.id, roles, line, draft=draft.id, reason=reason)
        return line
