"""The small real Rejoinder of tests/core/harness.py, with a CRM: the same
workspace plus a `crm:` section pointed at a local HubSpot, and a console
that keeps every card it was asked to draw."""
from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.app.root import App
from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.crm.setup import Crm
from bot.drafting.template import TemplateDrafter
from bot.intake.bus import InProcessBus
from bot.store.db import Database
from integrations.chat.console import ConsolePlatform
from integrations.crm.hubspot import HubSpotDirectory
from integrations.social.replay import ReplayPublisher
from tests.core.harness import T0, WORKSPACE, World


def crm_workspace(url: str, extra: str = "") -> str:
    return WORKSPACE + f"""
crm:
  type: hubspot
  token_env: HUBSPOT_TOKEN
  base_url: {url}
  handle_fields: {{x: twitterhandle, bluesky: bluesky_handle}}
  cache_ttl: 10m
  timeout_s: 5
{extra}"""


class DrawingConsole(ConsolePlatform):
    def __init__(self) -> None:
        super().__init__(Console(file=io.StringIO()), verbose=True)
        self.drawn: dict[int, object] = {}  # case id -> the latest card drawn

    async def post_card(self, channel, card):
        self.drawn[card.case_id] = card
        return await super().post_card(channel, card)

    async def update_card(self, ref, card):
        self.drawn[card.case_id] = card
        await super().update_card(ref, card)


class CrmWorld(World):
    async def drain(self) -> None:
        app = self.app
        while (await app.chat_worker.run_due() + await app.publish_worker.run_due() + await app.crm_worker.run_due()):
            pass


async def make_crm_world(database_url: str, tmp_path: Path, url: str, token: str, extra: str = "",
                         sinks=None, crm_yaml: str | None = None, directory=None) -> CrmWorld:
    """`crm_yaml`/`directory(ws, db)`: another CRM section and connector (Salesforce, built-in) instead of HubSpot."""
    ws = parse_workspace(WORKSPACE + crm_yaml if crm_yaml else crm_workspace(url, extra), "test.yaml")
    clock = ManualClock(T0)
    db = await Database(database_url).start()
    drafter = TemplateDrafter(organisation="Acme")
    core = Core(ws, db, clock, drafter, drafter)
    chat = DrawingConsole()
    replies = tmp_path / "replies.jsonl"
    connector = directory(ws, db) if directory else HubSpotDirectory(ws.crm, token)
    crm = Crm(ws, db, clock, connector, sinks(db) if sinks else None)
    app = App(ws, db, core, {"console": chat}, [], {"*": ReplayPublisher(replies)}, InProcessBus(), clock, crm)
    await chat.start(app.dispatcher.handlers())
    return CrmWorld(core, app, clock, chat, replies, db)
