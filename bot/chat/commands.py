"""One path for typed commands and button clicks: find the skill, check the
person's roles here in the core, run it, and turn refusals into plain answers."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

from sqlalchemy import select

from bot.cases.approval_policy import NotAllowed
from bot.cases.lifecycle import CaseNotFound
from bot.chat.effects import card_key
from bot.core import Core
from bot.chat.dashboard import home_view
from bot.ports import ChatHandlers, Command
from bot.store import tables as t
from bot.types import ChatUser, CommandResult, HomeView, MessageRef
from bot.cases.workflow import TransitionRefused
from skills import registry
from skills.registry import SkillContext

log = logging.getLogger(__name__)
_CASE_ARG = re.compile(r"^#?(\d+)\b\s*(.*)$", re.S)


def split_case(cmd: Command) -> tuple[int | None, str]:
    """A button carries the case id; a typed command starts with it."""
    if cmd.case_id is not None:
        return cmd.case_id, cmd.args.strip()
    m = _CASE_ARG.match(cmd.args.strip())
    return (int(m.group(1)), m.group(2).strip()) if m else (None, cmd.args.strip())


class Dispatcher:
    def __init__(self, core: Core, on_change: Callable[[], None] | None = None) -> None:
        self.core = core
        self.on_change = on_change or (lambda: None)

    def handlers(self) -> ChatHandlers:
        return ChatHandlers(on_command=self.run, on_thread_message=self.thread_message, card=self.card, home=self.home)

    async def run(self, cmd: Command) -> CommandResult:
        found = registry.get(cmd.name)
        if found is None:
            return CommandResult(f"Unknown command {cmd.name!r}. Try `help`.", ok=False)
        actor = self.core.actor(cmd.user)
        case_id, args = split_case(cmd) if found.needs_case else (cmd.case_id, cmd.args.strip())
        if found.needs_case and case_id is None:
            return CommandResult(f"Which case? Usage: {found.name} {found.usage}", ok=False)
        if not found.roles & actor.roles:
            need = " or ".join(sorted(found.roles))
            return await self._refuse(case_id, cmd.user, found.name, f"`{found.name}` needs the role {need}.")
        people = {p.id: p for p in cmd.people}
        ctx = SkillContext(self.core, cmd.user, actor.roles, args, case_id, cmd.channel, people)
        try:
            text = await found.fn(ctx)
        except (NotAllowed, TransitionRefused) as exc:
            return await self._refuse(case_id, cmd.user, found.name, str(exc))
        except CaseNotFound as exc:
            return CommandResult(str(exc), ok=False)
        self.on_change()
        # The answer is for the person who asked. The public record of a change
        # is the line the core itself posts in the case's thread (outbox
        # chat.thread); a public answer would put the same line there twice.
        return CommandResult(text, ephemeral=True)

    async def _refuse(self, case_id: int | None, user: ChatUser, action: str, reason: str) -> CommandResult:
        """Refusals are answered and written to the case's audit log."""
        log.info("refused %s for %s on case %s: %s", action, user.id, case_id, reason)
        if case_id is not None:
            async with self.core.db.transaction() as s:
                case = await s.get(t.Case, case_id)
                if case is not None:
                    s.add(t.CaseEvent(case_id=case.id, at=self.core.clock.now(), actor=user.id, kind="refused",
                                      detail={"action": action, "reason": reason}))
        return CommandResult(reason, ok=False)

    async def case_for_ref(self, ref: MessageRef) -> int | None:
        key = card_key(ref.platform, ref.channel, ref.thread_id or ref.message_id)
        async with self.core.db.sessions() as s:
            return (await s.execute(select(t.Case.id).where(t.Case.card_key == key))).scalar_one_or_none()

    async def thread_message(self, ref: MessageRef, user: ChatUser, text: str) -> None:
        """Thread talk is internal: stored as a note, never published."""
        case_id = await self.case_for_ref(ref)
        if case_id is None:
            return
        chat_ref = f"{ref.platform}:{ref.channel}:{ref.message_id}"
        try:
            await self.core.note(case_id, self.core.actor(user), text, chat_ref=chat_ref, echo=False)
            self.on_change()
        except NotAllowed as exc:
            log.info("thread message from %s not stored: %s", user.id, exc)

    async def card(self, case_id: int, user: ChatUser):
        try:
            return await self.core.card_for(case_id, user)
        except NotAllowed:
            return None

    async def home(self, user: ChatUser) -> HomeView:
        return await home_view(self.core, user)
