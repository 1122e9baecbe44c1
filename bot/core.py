"""The core: every service built from the workspace, plus the actions skills
call. Platform-neutral; chat platforms reach it only through ChatHandlers."""
from __future__ import annotations

from dataclasses import dataclass

from bot.cases.approval_policy import NotAllowed, Policy
from bot.cases.approvals import ApprovalService
from bot.chat.cards import CardBuilder
from bot.cases.lifecycle import CaseService
from bot.clock import Clock
from bot.config.workspace import Workspace
from bot.people.customers import CustomerDirectory
from bot.cases.drafts import DraftService
from bot.guardrails import Guardrails
from bot.insights.crisis import CrisisRouter, CrisisSwitch
from bot.people.roles import RoleResolver
from bot.intake.pipeline import Pipeline
from bot.ports import Drafter
from bot.routing import Router
from bot.store import tables as t
from bot.store.db import Database
from bot.types import Card, ChatUser


@dataclass
class Actor:
    user: ChatUser
    roles: frozenset[str]


class Core:
    def __init__(self, ws: Workspace, db: Database, clock: Clock, drafter: Drafter, fallback_drafter: Drafter,
                 home_team_id: str | None = None) -> None:
        self.ws, self.db, self.clock = ws, db, clock
        self.directory = CustomerDirectory()
        self.roles = RoleResolver(ws.roles, home_team_id)
        self.crisis = CrisisSwitch(ws)
        self.policy = Policy(ws.approval, crisis_approvers=self.crisis.approvers)
        self.guardrails = Guardrails(ws.guidelines, ws.organisation.handles, contacts=ws.organisation.contacts,
                                     canary=getattr(drafter, "canary", None))
        self.router = CrisisRouter(Router(ws.routes), self.crisis)
        self.cases = CaseService(ws, clock)
        self.drafts = DraftService(ws, clock, self.guardrails, drafter, fallback_drafter, self.directory, self.policy)
        self.approvals = ApprovalService(self.cases, self.drafts, self.policy, clock)
        self.cards = CardBuilder(self.drafts, self.directory)
        self.pipeline = Pipeline(db, clock, self.router, self.cases, self.directory, ws.organisation.handles)
        self.partner_teams = {team.name for team in ws.teams if team.partner}

    def actor(self, user: ChatUser) -> Actor:
        return Actor(user, self.roles.roles_of(user))

    def check_visible(self, actor: Actor, case: t.Case) -> None:
        """Partners see only the cases routed to their shared channels."""
        if "partner" in actor.roles and case.team not in self.partner_teams:
            raise NotAllowed(f"Case {case.id} is not shared with your channel.")

    async def card_for(self, case_id: int, user: ChatUser) -> Card | None:
        actor = self.actor(user)
        async with self.db.sessions() as s:
            case = await s.get(t.Case, case_id)
            if case is None:
                return None
            self.check_visible(actor, case)
            partner_view = "partner" in actor.roles or case.team in self.partner_teams
            return await self.cards.build(s, case, redacted=partner_view)

    async def draft(self, case_id: int, actor: Actor, instruction: str | None) -> str:
        """Slow work (the model) runs outside any transaction."""
        async with self.db.sessions() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            if not (self.cases.can(case, "draft") or case.stage == self.cases.rules[case.team].target("draft")):
                raise NotAllowed(f"Case {case.id} is {case.stage}; it cannot get a new draft now.")
            request = await self.drafts.request(s, case, instruction)
        result, warning = await self.drafts.generate(request)
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            draft = await self.drafts.add_version(
                s, case, self.drafts.signed(result.reply, actor.user.name), actor.user.id, result.source, result.rationale, result.confidence,
                result.needs_escalation)
            line = self._draft_line(actor.user.name, draft, "redrafted" if instruction else "asked for a draft", warning)
            await self.cases.move(s, case, "draft", actor.user.id, actor.roles, line, draft=draft.id)
            return line

    async def write_draft(self, case_id: int, actor: Actor, text: str, source: str) -> str:
        """A person's own version (an edit, or a partner's suggestion)."""
        if not text.strip():
            raise NotAllowed("Give the reply text, e.g. `edit 12 Thanks Maria, we're on it ^DR`.")
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            if not (self.cases.can(case, "draft") or case.stage == self.cases.rules[case.team].target("draft")):
                raise NotAllowed(f"Case {case.id} is {case.stage}; its reply cannot be changed now.")
            draft = await self.drafts.add_version(s, case, text.strip(), actor.user.id, source)
            verb = "suggested a reply" if source == "suggestion" else "edited the draft"
            line = self._draft_line(actor.user.name, draft, verb, None)
            # A partner's suggestion goes up for approval on the workflow's own authority.
            roles = None if source == "suggestion" else actor.roles
            await self.cases.move(s, case, "draft", actor.user.id, roles, line, draft=draft.id)
            return line

    @staticmethod
    def _draft_line(name: str, draft: t.Draft, verb: str, warning: str | None) -> str:
        blocks = [f["reason"] for f in draft.findings if f["severity"] == "block"]
        warns = [f["reason"] for f in draft.findings if f["severity"] == "warn"]
        parts = [f"{name} {verb}: v{draft.version} ({draft.source})."]
        if warning:
            parts.append(warning)
        if blocks:
            parts.append("Blocked by the guidelines: " + " ".join(blocks))
        if warns:
            parts.append("Warnings: " + " ".join(warns))
        return " ".join(parts)

    async def approve(self, case_id: int, actor: Actor) -> str:
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            return await self.approvals.approve(s, case, actor.user, actor.roles)

    async def reject(self, case_id: int, actor: Actor, reason: str) -> str:
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            return await self.approvals.reject(s, case, actor.user, actor.roles, reason)

    async def note(self, case_id: int, actor: Actor, text: str, chat_ref: str | None = None, echo: bool = True) -> str:
        if not text.strip():
            raise NotAllowed("A note needs some text.")
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            line = f"Note from {actor.user.name}: {text}" if echo else None
            stored = await self.cases.note(s, case, actor.user.id, text, chat_ref=chat_ref, line=line)
            return "Noted (internal: never published)." if stored else "Already noted."

    async def move(self, case_id: int, actor: Actor, action: str, line: str, **detail) -> str:
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            await self.cases.move(s, case, action, actor.user.id, actor.roles, line, **detail)
            return line

    async def assign(self, case_id: int, actor: Actor, assignee: ChatUser) -> str:
        """The case stores the assignee's id; the thread line names the person."""
        async with self.db.transaction() as s:
            case = await self.cases.get(s, case_id)
            self.check_visible(actor, case)
            case.assignee = assignee.id
            line = f"{actor.user.name} assigned case {case.id} to {assignee.name}."
            await self.cases.event(s, case, actor.user.id, "assigned", line, assignee=assignee.id,
                                   assignee_name=assignee.name)
            return line
