"""A running Rejoinder on Slack for end-to-end tests: the real App (core,
dispatcher, outbox workers, database, template drafter, replay publisher)
with its Slack platform connected through Socket Mode to the local Slack.

`start_world` runs `App.run()` as a task, exactly as `rejoinder run` does;
the helpers wait on what the local Slack receives, never on the clock."""
from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from bot.app.root import App, build_platforms
from bot.config.loader import load_workspace
from bot.app.settings import Settings
from bot.store import tables as t
from bot.types import Author, Mention
from integrations.chat.slack.platform import SlackPlatform
from integrations.chat.slack.groups import SlackUserGroups
from integrations.chat.slack.limits import ChannelRateLimiter
from integrations.social.replay import read_replies
from tests.chat_worlds import WorldFlows
from tests.emulators.slack import ApiCall, SlackEmulator

# Slack user and channel ids; roles come from `roles.members` below.
SAM, DANA, LEE, ALEX, NEWBIE = "U0SAM", "U0DANA", "U0LEE", "U0ALEX", "U0NEWBIE"
PAT, PARTNER_TEAM = "U0PAT", "T0DEALER"
SUPPORT, DEALER, LOBBY = "C0SUPPORT", "C0DEALER", "C0LOBBY"
APPROVERS = "S0APPROVERS"  # a Slack user group; the local Slack has it only when a test adds it

WORKSPACE = f"""
version: 1
organisation: {{name: Acme, handles: {{x: acme}}}}
teams:
  - {{name: support, platform: slack, channel: {SUPPORT}}}
  - {{name: dealer, platform: slack, channel: {DEALER}, partner: true}}
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
  members: {{{SAM}: [agent], {DANA}: [approver], {LEE}: [approver], {ALEX}: [admin]}}
  groups: {{{APPROVERS}: [approver]}}
approval: {{approvers_required: 1}}
incidents: {{threshold: 25, window: 10m, routes: [support]}}
sources:
  - {{type: replay, name: feed, path: feed.jsonl, output: replies.jsonl}}
"""

CUSTOMERS_CSV = (
    "email,name,phone,tier,lifetime_value,handles\n"
    "maria@example.com,Maria Lopez,+1 555 0100,gold,1820.5,x:maria\n"
)
ORDERS_CSV = "email,number,placed_at,total,currency,status\nmaria@example.com,A-1001,2026-01-02T10:00:00,89.90,EUR,shipped\n"


def mention(n: int, text: str, *, handle: str = "maria", name: str | None = None, followers: int = 120,
            reply_to: int | None = None) -> Mention:
    """A post on x; with `reply_to` it answers that post, in its conversation."""
    return Mention(network="x", external_id=str(n), text=text, created_at=datetime.now(timezone.utc),
                   author=Author(handle=handle, name=name if name is not None else handle.title(), followers=followers),
                   conversation_id=str(reply_to or n), in_reply_to=str(reply_to) if reply_to else None,
                   url=f"https://x.example/{handle}/{n}")


def people(emu: SlackEmulator) -> None:
    emu.add_user(SAM, "Sam Agent")
    emu.add_user(DANA, "Dana Approver")
    emu.add_user(LEE, "Lee Approver")
    emu.add_user(ALEX, "Alex Admin")
    emu.add_user(NEWBIE, "Nia Newbie")
    emu.add_user(PAT, "Pat Partner", team_id=PARTNER_TEAM)
    emu.add_channel(SUPPORT, "support")
    emu.add_channel(DEALER, "dealer-shared", shared=True)
    emu.add_channel(LOBBY, "lobby")


def task_stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=out)
    return out.getvalue()


def case_of(call: ApiCall) -> int | None:
    meta = call.args.get("metadata") or {}
    return (meta.get("event_payload") or {}).get("case_id")


def texts(call: ApiCall) -> str:
    """Everything a person would read in a posted or updated message."""
    return call.args.get("text", "") + json.dumps(call.args.get("blocks") or [], ensure_ascii=False)


class Handled:
    """Outbox rows the App's workers have carried out, as (kind, case id).

    Observes the real handlers (they still run) so a test can wait for what a
    handler writes to the database, such as the card's message id."""

    def __init__(self, *workers) -> None:
        self.rows: list[tuple[str, int | None]] = []
        self.changed = asyncio.Condition()
        for worker in workers:
            for kind, handler in list(worker.handlers.items()):
                worker.handlers[kind] = self._wrap(kind, handler)

    def _wrap(self, kind, handler):
        async def handle(row, uncertain):
            result = await handler(row, uncertain)
            async with self.changed:
                self.rows.append((kind, row.case_id))
                self.changed.notify_all()
            return result
        return handle

    async def wait(self, kind: str, case_id: int, count: int = 1, timeout: float = 10) -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(lambda: self.rows.count((kind, case_id)) >= count), timeout)
            except TimeoutError:
                raise AssertionError(f"{kind} for case {case_id} not done within {timeout} s; done: {self.rows}") from None


class Settled:
    """Outbox rows whose outcome (sent or failed) the worker has written:
    Handled sees the handler return, a moment before that is committed."""

    def __init__(self, *workers) -> None:
        self.rows: set[int] = set()
        self.changed = asyncio.Condition()
        for worker in workers:
            worker._settle = self._wrap(worker._settle)

    def _wrap(self, settle):
        async def wrapped(outcomes):
            await settle(outcomes)
            async with self.changed:
                self.rows.update(row_id for row_id, _values in outcomes)
                self.changed.notify_all()
        return wrapped

    async def wait(self, row_id: int, timeout: float = 10) -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(lambda: row_id in self.rows), timeout)
            except TimeoutError:
                raise AssertionError(f"outbox row {row_id} not settled within {timeout} s") from None


@dataclass
class SlackWorld(WorldFlows):
    AGENT = SAM

    emu: SlackEmulator
    app: App
    slack: SlackPlatform
    base: Path
    task: asyncio.Task
    handled: Handled

    async def click(self, user: str, card: ApiCall, action: str) -> str:
        case_id = case_of(card)
        payload = self.emu.block_action(user, card.response["channel"], card.response["ts"], f"rejoinder:{action}",
                                        value=str(case_id), block_id=f"case:{case_id}")
        return await self.emu.push("interactive", payload)

    async def say(self, user: str, card: ApiCall, text: str) -> str:
        event = self.emu.user_message(user, card.response["channel"], text, thread_ts=card.response["ts"])
        return await self.emu.push("events_api", self.emu.event_body(event))

    async def submit(self, user: str, view_call: ApiCall, text: str) -> str:
        return await self.emu.push("interactive", self.emu.view_submission(user, view_call.response["view"], text))

    # -- what Slack received ---------------------------------------------

    async def card(self, case_id: int, timeout: float = 10) -> ApiCall:
        return await self.emu.wait_for_call("chat.postMessage", timeout, lambda c: c.status == 200 and case_of(c) == case_id)

    async def thread_line(self, card: ApiCall, contains: str, timeout: float = 10) -> ApiCall:
        ts = card.response["ts"]
        return await self.emu.wait_for_call(
            "chat.postMessage", timeout, lambda c: c.args.get("thread_ts") == ts and contains in c.args.get("text", ""))

    async def update(self, card: ApiCall, contains: str, timeout: float = 10) -> ApiCall:
        ts = card.response["ts"]
        return await self.emu.wait_for_call("chat.update", timeout, lambda c: c.args.get("ts") == ts and contains in texts(c))

    async def told(self, user: str, contains: str, timeout: float = 10) -> ApiCall:
        return await self.emu.wait_for_call(
            "chat.postEphemeral", timeout, lambda c: c.args.get("user") == user and contains in c.args.get("text", ""))

    def thread(self, card: ApiCall) -> list[str]:
        ts = card.response["ts"]
        return [c.args["text"] for c in self.emu.calls_of("chat.postMessage") if c.args.get("thread_ts") == ts]

    def replies(self, card: ApiCall) -> list[dict]:
        """The card's thread as Slack holds it, posts whose answer was lost included."""
        ts = card.response["ts"]
        return [m for m in self.emu.messages[card.response["channel"]] if m.get("thread_ts") == ts and m["ts"] != ts]

    # -- state -----------------------------------------------------------

    def published(self) -> list[dict]:
        return read_replies(self.base / "replies.jsonl")

    async def rows(self, table, *where) -> list:
        async with self.app.db.sessions() as s:
            return list((await s.execute(select(table).where(*where).order_by(table.id))).scalars())

    async def case(self, case_id: int) -> t.Case:
        async with self.app.db.sessions() as s:
            return await s.get(t.Case, case_id)

    async def stop(self, timeout: float = 30) -> None:
        """Stop the app; a crash of App.run() during the test fails it here, and
        so does a shutdown that hangs, naming where every task waits."""
        crashed = self.task.done() and not self.task.cancelled() and self.task.exception()
        self.task.cancel()
        done, _ = await asyncio.wait({self.task}, timeout=timeout)
        if not done:
            raise AssertionError(f"App.run() did not stop within {timeout} s:\n{task_stacks()}")
        if crashed:
            raise crashed


async def start_world(emu: SlackEmulator, database_url: str, base: Path, *, workspace: str = WORKSPACE,
                      feed: list[Mention] = (), ping_interval: float = 3, post_rate: float = 50,
                      post_burst: int = 20, group_cache_seconds: float | None = None) -> SlackWorld:
    """Build the App from settings and the workspace, exactly as `rejoinder run`
    does, and run it. The pace is raised for speed; the bench keeps Slack's."""
    links_before = len(emu.links)  # a restarted world opens the next socket
    (base / "feed.jsonl").write_text("".join(m.model_dump_json() + "\n" for m in feed), encoding="utf-8")
    settings = Settings(database_url=database_url, slack_bot_token=emu.bot_token, slack_app_token=emu.app_token,
                        slack_api_base_url=emu.api_url, openai_api_key=None, redis_url=None)
    (base / "rejoinder.yaml").write_text(workspace, encoding="utf-8")
    ws = load_workspace(base / "rejoinder.yaml")
    platforms = build_platforms(ws, settings)
    slack = platforms["slack"]
    slack.ping_interval = ping_interval
    slack.limiter = ChannelRateLimiter(rate=post_rate, burst=post_burst)
    if group_cache_seconds is not None:
        slack.groups = SlackUserGroups(slack.client, ttl=group_cache_seconds)
    app = await App.create(settings, ws, base, platforms=platforms)
    handled = Handled(app.chat_worker, app.publish_worker)
    task = asyncio.create_task(app.run(), name="rejoinder")
    world = SlackWorld(emu, app, slack, base, task, handled)
    await emu.wait_for_link(links_before + 1)
    # A message nobody handles: its ack means the socket reads envelopes and
    # App.run() is past starting the platform (the partner check knows our team).
    await emu.wait_for_ack(await emu.push("events_api", emu.event_body(emu.user_message(SAM, LOBBY, "good morning"))))
    if task.done():
        task.result()
    assert app.core.roles.home_team_id == emu.team_id
    return world
