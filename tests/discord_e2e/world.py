"""A running Rejoinder on Discord for end-to-end tests: the real App (core,
dispatcher, outbox workers, database, template drafter, replay publisher)
with its Discord platform connected through the real discord.py to the
local Discord (gateway and REST).

The helpers wait on what the local Discord receives, never on the clock."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.app.root import App, build_platforms
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from bot.store import tables as t
from bot.types import Mention
from integrations.chat.discord.platform import DiscordPlatform
from integrations.social.replay import read_replies
from tests.chat_worlds import WorldFlows
from tests.emulators.discord import ApiCall, DiscordEmulator, point_discord_py_at
from tests.slack_e2e.world import Handled, mention, task_stacks  # noqa: F401 - mention: the tests read it from here

# Discord ids: people, roles, servers and channels.
SAM, DANA, LEE, ALEX, KIM, PAT = (f"30000000000000000{n}" for n in range(1, 7))
APPROVER_ROLE, PARTNER_ROLE = "400000000000000001", "400000000000000002"
PARTNER_GUILD = "800000000000000009"
SUPPORT, DEALER, LOBBY = "500000000000000001", "500000000000000002", "500000000000000003"
FOOTER = re.compile(r"Rejoinder case #(\d+)\b")
MARKER = re.compile("\u2063[\u200b\u200c]*\u2063$")

WORKSPACE = f"""
version: 1
organisation: {{name: Acme, handles: {{x: acme}}}}
teams:
  - {{name: support, platform: discord, channel: '{SUPPORT}'}}
  - {{name: dealer, platform: discord, channel: '{DEALER}', partner: true}}
routes:
  - name: dealer
    team: dealer
    match: {{phrase: "corner bikes"}}
  - name: support
    team: support
    match:
      all:
        - {{handle: acme}}
        - {{keyword: [order, broken, help, outage, late]}}
roles:
  members: {{'{SAM}': [agent], '{DANA}': [approver], '{LEE}': [approver], '{ALEX}': [admin]}}
  groups: {{'{APPROVER_ROLE}': [approver], '{PARTNER_ROLE}': [partner]}}
  partner_guilds: ['{PARTNER_GUILD}']
  trusted_external: ['{SAM}']  # Sam works in the dealer's server too, as one of ours
approval: {{approvers_required: 1}}
incidents: {{threshold: 25, window: 10m, routes: [support]}}
sources:
  - {{type: replay, name: feed, path: feed.jsonl, output: replies.jsonl}}
"""


def people(emu: DiscordEmulator) -> None:
    """Our server with Sam, Dana, Lee, Alex and Kim (who holds the partner
    role), and a dealer's server, where the shared channel lives, with Pat."""
    for user_id, name in ((SAM, "Sam Agent"), (DANA, "Dana Approver"), (LEE, "Lee Approver"),
                          (ALEX, "Alex Admin"), (KIM, "Kim Reseller"), (PAT, "Pat Partner")):
        emu.add_user(user_id, name)
    emu.add_role(emu.guild_id, APPROVER_ROLE, "approvers")
    emu.add_role(emu.guild_id, PARTNER_ROLE, "resellers")
    for user_id in (SAM, DANA, LEE, ALEX):
        emu.add_member(emu.guild_id, user_id)
    emu.add_member(emu.guild_id, KIM, [PARTNER_ROLE])
    emu.add_channel(SUPPORT, "support")
    emu.add_channel(LOBBY, "lobby")
    emu.add_guild(PARTNER_GUILD, "Corner Bikes")
    emu.add_member(PARTNER_GUILD, emu.bot_id)
    emu.add_member(PARTNER_GUILD, PAT)
    emu.add_member(PARTNER_GUILD, SAM)
    emu.add_channel(DEALER, "acme-shared", guild_id=PARTNER_GUILD)


def case_of(call: ApiCall) -> int | None:
    for embed in (call.response.get("embeds") or []) if isinstance(call.response, dict) else []:
        found = FOOTER.match((embed.get("footer") or {}).get("text") or "")
        if found:
            return int(found.group(1))
    return None


def texts(message: dict) -> str:
    """Everything a person would read in a message: content and embeds."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("author") or {}).get("name", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def buttons(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row.get("components") or []]


@dataclass
class DiscordWorld(WorldFlows):
    AGENT = SAM

    emu: DiscordEmulator
    app: App
    discord: DiscordPlatform
    base: Path
    task: asyncio.Task
    handled: Handled

    async def click(self, user: str, card: dict, action: str) -> str:
        case_id = FOOTER.search(texts_footer(card)).group(1)
        return await self.emu.click(user, card, f"rejoinder:{action}:{case_id}")

    async def card(self, case_id: int, timeout: float = 10) -> dict:
        call = await self.emu.wait_for_call("message.create", timeout, lambda c: case_of(c) == case_id)
        return call.response

    async def thread_line(self, card: dict, contains: str, timeout: float = 10) -> dict:
        call = await self.emu.wait_for_call(
            "message.create", timeout,
            lambda c: c.path.startswith(f"channels/{card['id']}/") and contains in c.response.get("content", ""))
        return call.response

    async def update(self, card: dict, contains: str, timeout: float = 10) -> dict:
        call = await self.emu.wait_for_call(
            "message.edit", timeout, lambda c: c.path.endswith(f"/messages/{card['id']}") and contains in texts(c.response))
        return call.response

    async def noted(self, card: dict, user: str, text: str) -> None:
        """`user` says `text` in the card's thread; returns once the core has
        stored the note (it refreshes the card when it does)."""
        edits = len(self.emu.calls_of("message.edit"))
        await self.emu.user_message(user, card["id"], text)
        await self.emu.wait_for_call("message.edit", count=edits + 1)

    def cards_on_discord(self) -> list[int]:
        return [c for c in (case_of(call) for call in self.emu.calls_of("message.create")) if c is not None]

    @staticmethod
    def case_of_calls(case_id: int, slack) -> list:
        """The Slack card posts for `case_id` (a mixed workspace's other platform)."""
        from tests.slack_e2e.world import case_of as slack_case_of
        return [c for c in slack.calls_of("chat.postMessage") if slack_case_of(c) == case_id]

    def thread(self, card: dict) -> list[str]:
        """The lines in the card's thread as Discord holds them, markers removed."""
        return [MARKER.sub("", m["content"]) for m in self.emu.messages.get(card["id"], [])
                if m["author"]["id"] == self.emu.bot_id]

    def published(self) -> list[dict]:
        return read_replies(self.base / "replies.jsonl")

    async def rows(self, table, *where) -> list:
        async with self.app.db.sessions() as s:
            return list((await s.execute(select(table).where(*where).order_by(table.id))).scalars())

    async def case(self, case_id: int) -> t.Case:
        async with self.app.db.sessions() as s:
            return await s.get(t.Case, case_id)

    async def stop(self, timeout: float = 30) -> None:
        crashed = self.task.done() and not self.task.cancelled() and self.task.exception()
        self.task.cancel()
        done, _ = await asyncio.wait({self.task}, timeout=timeout)
        if not done:
            raise AssertionError(f"App.run() did not stop within {timeout} s:\n{task_stacks()}")
        if crashed:
            raise crashed


def texts_footer(message: dict) -> str:
    return " ".join((e.get("footer") or {}).get("text") or "" for e in message.get("embeds") or [])


async def start_world(emu: DiscordEmulator, database_url: str, base: Path, *, workspace: str = WORKSPACE,
                      feed: list[Mention] = (), settings_extra: dict | None = None,
                      platforms: dict | None = None) -> DiscordWorld:
    """Build the App from settings and the workspace, exactly as `rejoinder run`
    does, and run it until the bot is on the gateway and its commands synced."""
    (base / "feed.jsonl").write_text("".join(m.model_dump_json() + "\n" for m in feed), encoding="utf-8")
    settings = Settings(database_url=database_url, discord_bot_token=emu.token, openai_api_key=None, redis_url=None,
                        **(settings_extra or {}))
    (base / "rejoinder.yaml").write_text(workspace, encoding="utf-8")
    ws = load_workspace(base / "rejoinder.yaml")
    platforms = platforms or build_platforms(ws, settings)
    platforms["discord"].guild_ready_timeout = 0.05
    app = await App.create(settings, ws, base, platforms=platforms)
    handled = Handled(app.chat_worker, app.publish_worker)
    task = asyncio.create_task(app.run(), name="rejoinder")
    connections = emu.gateway.connections
    await emu.wait_until(lambda: task.done() or (emu.commands and emu.gateway.connections > connections), 15,
                         "the bot on the gateway with its commands")
    if task.done():
        task.result()
    return DiscordWorld(emu, app, platforms["discord"], base, task, handled)


__all__ = ["DiscordWorld", "start_world", "people", "point_discord_py_at", "case_of", "texts", "buttons"]
