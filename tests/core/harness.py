"""A small, real Rejoinder for tests: a workspace, a database, the console
platform, the replay publisher and a manual clock."""
from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rich.console import Console

from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.drafting.template import TemplateDrafter
from bot.ports import Command
from bot.store.db import Database
from bot.types import Author, ChatUser, CommandResult, Mention
from integrations.chat.console import ConsolePlatform
from integrations.social.replay import ReplayPublisher, read_replies

WORKSPACE = """
version: 1
organisation: {name: Acme, handles: {x: acme, bluesky: acme.bsky.social}}
teams:
  - {name: support, channel: "#support"}
  - {name: sales, channel: "#sales"}
  - {name: dealer, channel: "#dealer", partner: true}
routes:
  - name: legal
    team: support
    priority: high
    labels: [legal]
    match: {flag: legal_threat}
  - name: dealer
    team: dealer
    match: {phrase: "corner bikes"}
  - name: sales
    team: sales
    labels: [lead]
    match: {all: [{handle: acme}, {keyword: [pricing, quote]}]}
  - name: support
    team: support
    match:
      all:
        - any: [{handle: [acme, acme.bsky.social]}, {hashtag: acme}]
        - any: [{keyword: [order, broken, refund, help, outage]}, {sentiment: {max: -0.3}}]
roles:
  members: {dana: [approver], lee: [approver], sam: [agent], alex: [admin], pat: [partner]}
approval:
  approvers_required: 1
  high_risk: {min_followers: 50000, labels: [legal], flags: [legal_threat], approvers_required: 2}
guidelines:
  confidential_terms: [Project Falcon]
  link_allowlist: [acme.example]
incidents: {threshold: 3, window: 10m, routes: [support]}
sla:
  first_response: {urgent: 15m, high: 30m, normal: 1h, low: 8h}
"""

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
SAM, DANA, LEE = ChatUser("sam", "Sam"), ChatUser("dana", "Dana"), ChatUser("lee", "Lee")
ALEX, PAT = ChatUser("alex", "Alex"), ChatUser("pat", "Pat")


def mention(n: int, text: str, *, network: str = "x", handle: str = "maria", followers: int = 100,
            minutes: int = 0, conversation: str | None = None, reply_to: str | None = None) -> Mention:
    return Mention(network=network, external_id=str(n), author=Author(handle=handle, name=handle.title(), followers=followers),
                   text=text, created_at=T0 + timedelta(minutes=minutes), conversation_id=conversation or str(n),
                   in_reply_to=reply_to, url=f"https://x.example/{handle}/{n}")


class StartedConsole(ConsolePlatform):
    """The console backend, telling when App.run has started it (after the
    publishers are connected), so a test waits on that, not on the clock."""

    def __init__(self) -> None:
        super().__init__(Console(file=io.StringIO()))
        self.started = asyncio.Event()

    async def start(self, handlers) -> None:
        await super().start(handlers)
        self.started.set()


def watch_published(app: App) -> asyncio.Event:
    """An event set each time the app's publish worker has carried out a reply."""
    published = asyncio.Event()
    handle = app.publish_worker.handlers["publish.reply"]

    async def watched(row, uncertain):
        result = await handle(row, uncertain)
        published.set()
        return result

    app.publish_worker.handlers["publish.reply"] = watched
    return published


@dataclass
class World:
    core: Core
    app: App
    clock: ManualClock
    chat: ConsolePlatform
    replies: Path
    db: Database

    async def run(self, user: ChatUser, name: str, case_id: int | None = None, args: str = "") -> CommandResult:
        result = await self.app.dispatcher.run(Command(name, args, user, case_id=case_id))
        await self.drain()
        return result

    async def ingest(self, *mentions: Mention):
        results = await self.core.pipeline.ingest(list(mentions))
        await self.drain()
        return results

    async def drain(self) -> None:
        while await self.app.chat_worker.run_due() + await self.app.publish_worker.run_due():
            pass

    def published(self) -> list[dict]:
        return read_replies(self.replies) if self.replies.exists() else []


async def make_world(database_url: str, tmp_path: Path, workspace: str = WORKSPACE, publisher=None) -> World:
    ws = parse_workspace(workspace, "test.yaml")
    clock = ManualClock(T0)
    db = await Database(database_url).start()
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    chat = ConsolePlatform(Console(file=io.StringIO()), verbose=True)
    replies = tmp_path / "replies.jsonl"
    app = App(ws, db, core, {"console": chat}, [], {"*": publisher or ReplayPublisher(replies)}, InProcessBus(), clock)
    await chat.start(app.dispatcher.handlers())
    return World(core, app, clock, chat, replies, db)
