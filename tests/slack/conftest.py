"""Fixtures for the Slack platform tests: the local Slack, a small stand-in for
the core's ChatHandlers, and a SlackPlatform connected through the real
Socket Mode handler."""
from __future__ import annotations

import asyncio
import dataclasses
import os
from datetime import datetime, timedelta, timezone

import pytest

from bot.ports import ChatHandlers, Command
from bot.types import (
    Author, Card, CaseSummary, ChatUser, CommandResult, CustomerView, DraftView, Finding, HomeView, MessageRef,
    OrderView,
)
from integrations.chat.slack.platform import SlackPlatform
from tests.emulators.slack import SlackEmulator

# slack_sdk reads these and ignores NO_PROXY; the tests only talk to 127.0.0.1.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)

AGENT, BOSS, PARTNER = "U0AGENT", "U0BOSS", "U0PARTNER"
CARE, SHARED = "C0CARE", "C0SHARED"
PARTNER_TEAM = "T0PARTNER"


def make_card(case_id: int = 7, mention_text: str = "My order never arrived, please help", **changes) -> Card:
    now = datetime.now(timezone.utc)
    card = Card(
        case_id=case_id, team="care", network="x",
        author=Author(handle="maria_l", name="Maria Lopez", followers=15300, url="https://x.example/maria_l"),
        mention_text=mention_text, mention_url="https://x.example/maria_l/status/1",
        sentiment=-0.71, sentiment_label="negative", priority="high", route="delivery", matched=("never arrived",),
        labels=("shipping",), flags=(), stage="awaiting_approval", assignee=None, sla_due_at=now + timedelta(hours=2),
        customer=CustomerView(
            customer_id=41, name="Maria Lopez", tier="gold", lifetime_value=1820.5, email="maria@example.com",
            phone=None, handles=("x:maria_l",),
            recent_orders=(OrderView("A-1001", now - timedelta(days=3), 89.9, "EUR", "shipped"),),
            open_cases=(7,), earlier_interactions=("2024-03: asked about sizes",),
        ),
        draft=DraftView(
            draft_id=3, version=2, text="Hi Maria, sorry about that! Could you DM us your order number?",
            author="template", source="template",
            findings=(Finding("promise", "block", "Promises a refund without approval"),
                      Finding("length", "warn", "Close to the 280-character limit")),
            approvals=(), approvals_required=1,
        ),
        actions=("approve", "edit", "reject", "assign", "escalate", "resolve"),
    )
    return dataclasses.replace(card, **changes)


class StandInCore:
    """Just enough of the core to drive the platform: records what arrives and
    answers. It refuses approvals from other workspaces itself, because that
    check belongs to the core, never to the chat platform."""

    def __init__(self, home_team: str) -> None:
        self.home_team = home_team
        self.commands: list[Command] = []
        self.notes: list[tuple[MessageRef, ChatUser, str]] = []
        self.cards: dict[int, Card] = {}
        self.gate: asyncio.Event | None = None  # when set up, commands wait for it
        self._changed = asyncio.Condition()

    def handlers(self) -> ChatHandlers:
        return ChatHandlers(on_command=self.on_command, on_thread_message=self.on_thread_message,
                            card=self.card, home=self.home)

    async def _record(self, bucket: list, item) -> None:
        async with self._changed:
            bucket.append(item)
            self._changed.notify_all()

    async def wait_for(self, found, timeout: float = 5, what: str = "condition"):
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(found), timeout)
            except TimeoutError:
                raise AssertionError(f"no {what} within {timeout} s (commands={self.commands}, notes={self.notes})") from None

    async def wait_for_command(self, name: str, timeout: float = 5) -> Command:
        return await self.wait_for(lambda: next((c for c in self.commands if c.name == name), None), timeout, f"{name} command")

    async def on_command(self, command: Command) -> CommandResult:
        await self._record(self.commands, command)
        if self.gate is not None:
            await self.gate.wait()
        if command.name == "explode":
            raise RuntimeError("the core broke")
        if command.name == "approve":
            if command.user.team_id != self.home_team:
                return CommandResult("Partners can suggest changes but cannot approve replies.", ok=False)
            return CommandResult(f"Approved by {command.user.name}.", ephemeral=False)
        if command.name == "lookup":
            return CommandResult(f"Customer for {command.args}: Maria Lopez (gold)")
        if command.name == "stats":
            return CommandResult("Today: 12 mentions, 3 open cases", ephemeral=False)
        if command.name in ("reject", "redraft"):
            return CommandResult(f"{command.name}: {command.args}", ephemeral=False)
        return CommandResult(f"{command.name} noted")

    async def on_thread_message(self, ref: MessageRef, user: ChatUser, text: str) -> None:
        await self._record(self.notes, (ref, user, text))

    async def card(self, case_id: int, user: ChatUser) -> Card | None:
        return self.cards.get(case_id)

    async def home(self, user: ChatUser) -> HomeView:
        case = CaseSummary(7, "care", "awaiting_approval", "high", "x", "maria_l", "My order never arrived", None)
        return HomeView(user=user, assigned_to_me=[case], awaiting_my_approval=[case], sla_breaches=[],
                        volume_today={"care": 12, "billing": 4}, sentiment_mix={"negative": 5, "neutral": 9, "positive": 2})


@pytest.fixture
async def emu():
    emulator = await SlackEmulator().start()
    emulator.add_user(AGENT, "Ana Agent")
    emulator.add_user(BOSS, "Bea Boss")
    emulator.add_user(PARTNER, "Pat Partner", team_id=PARTNER_TEAM)
    emulator.add_channel(CARE, "care")
    emulator.add_channel(SHARED, "partner-care", shared=True)
    yield emulator
    await emulator.close()


@pytest.fixture
def core(emu) -> StandInCore:
    return StandInCore(home_team=emu.team_id)


async def started(emu: SlackEmulator, core: StandInCore, **options) -> SlackPlatform:
    platform = SlackPlatform(emu.bot_token, emu.app_token, None, api_base_url=emu.api_url,
                             ping_interval=options.pop("ping_interval", 3), **options)
    await platform.start(core.handlers())
    return platform


@pytest.fixture
async def slack(emu, core):
    platform = await started(emu, core)
    await emu.wait_for_link(1)
    yield platform
    await platform.stop()


@pytest.fixture
async def posted(slack, core):
    """A card posted in #care, known to the core."""
    card = make_card()
    core.cards[card.case_id] = card
    ref = await slack.post_card(CARE, card)
    return card, ref
