"""The scripted team of the unattended demo. Sam (agent) drafts, Dana and Lee
(approvers) approve, edit and reject, Pat (a partner at the dealer) suggests.
Every action goes through the same command path as a chat click."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import ManualClock
from bot.chat.commands import Dispatcher
from bot.people.customers import first_name
from bot.intake.pipeline import Ingested
from bot.ports import Command
from bot.store import tables as t
from bot.types import ChatUser, CommandResult

SAM = ChatUser("sam", "Sam", "console")
DANA = ChatUser("dana", "Dana", "console")
LEE = ChatUser("lee", "Lee", "console")
PAT = ChatUser("pat", "Pat (Northside Cycles)", "console")


class ScriptedTeam:
    def __init__(self, dispatcher: Dispatcher, clock: ManualClock, flush: Callable[[], Awaitable[None]],
                 say: Callable[[str], None]) -> None:
        self.dispatcher, self.clock, self.flush, self.say = dispatcher, clock, flush, say
        self.used: set[str] = set()  # scenarios shown once each
        self.handled: set[int] = set()

    async def do(self, user: ChatUser, name: str, case_id: int, args: str = "", minutes: int = 1) -> CommandResult:
        self.clock.advance(timedelta(minutes=minutes))
        result = await self.dispatcher.run(Command(name, args, user, case_id=case_id))
        self.say(f"{user.name} › {name} #{case_id}{' ' + args if args else ''} → {result.text}")
        await self.flush()
        return result

    async def case(self, case_id: int) -> t.Case:
        async with self.dispatcher.core.db.sessions() as s:
            return await s.get(t.Case, case_id)

    async def act(self, results: list[Ingested]) -> None:
        for r in results:
            if r.case_id is None:
                continue
            case = await self.case(r.case_id)
            fresh = r.outcome == "opened"
            followup = r.outcome == "joined" and case.stage in ("published", "triaged") and not case.is_incident
            if fresh or followup:
                await self.handle(case)

    async def handle(self, case: t.Case) -> None:
        core = self.dispatcher.core
        card = await core.card_for(case.id, SAM)
        if case.team in core.partner_teams and "partner" not in self.used:
            self.used.add("partner")
            return await self.partner(case.id)
        if card.customer and card.customer.phone and "pii_edit" not in self.used and "pii_in_mention" in card.flags:
            self.used.add("pii_edit")
            return await self.edit_then_approve(case.id, card.customer.name, card.customer.phone)
        if case.route == "sales" and "reject" not in self.used:
            self.used.add("reject")
            return await self.reject_then_redraft(case.id)
        if {"legal", "safety"} & set(case.labels):
            await self.do(SAM, "escalate", case.id, f"{', '.join(case.labels)}: needs a lead's eyes")
            await self.do(SAM, "note", case.id, "Checked the order history; looping in Dana and Lee.", minutes=1)
        await self.draft_and_approve(case.id)

    async def draft_and_approve(self, case_id: int) -> None:
        result = await self.do(SAM, "draft", case_id)
        if "Blocked" in result.text:
            result = await self.do(SAM, "redraft", case_id, "shorter")
        for approver in (DANA, LEE):
            outcome = await self.do(approver, "approve", case_id, minutes=2)
            if not outcome.ok or "another approver is needed" not in outcome.text:
                break

    async def edit_then_approve(self, case_id: int, name: str, phone: str) -> None:
        await self.do(SAM, "draft", case_id)
        # Sam means well but pastes the customer's number into a public reply.
        await self.do(SAM, "edit", case_id, f"Hi {first_name(name)}, we'll call you at {phone} within the hour. ^SM")
        await self.do(DANA, "approve", case_id)  # refused: the draft is blocked
        await self.do(DANA, "edit", case_id,
                      f"Hi {first_name(name)}, thanks for flagging this. Please delete your number from this post; "
                      "we've sent you a DM so we can call you back today. ^DR")
        await self.do(LEE, "approve", case_id, minutes=2)  # four-eyes: Dana edited, so Lee approves

    async def reject_then_redraft(self, case_id: int) -> None:
        await self.do(SAM, "draft", case_id)
        await self.do(DANA, "reject", case_id, "Too generic for a fleet lead; keep it short and offer a call.")
        await self.do(SAM, "redraft", case_id, "shorter")
        await self.do(DANA, "approve", case_id)

    async def partner(self, case_id: int) -> None:
        await self.do(PAT, "approve", case_id)  # refused: partners cannot approve
        await self.do(PAT, "suggest", case_id,
                      "Thanks! Project Kestrel frames arrive at Northside next week, pop in any time. ^NC")
        await self.do(PAT, "suggest", case_id,
                      "Thanks for visiting Northside Cycles! Ask for Jo at the service desk and we'll sort it. ^NC")
        await self.do(DANA, "approve", case_id, minutes=2)
