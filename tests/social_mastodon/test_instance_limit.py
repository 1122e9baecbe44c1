"""The instance's own status limit reaches the guardrails: with Rejoinder
running against a local Mastodon that allows 300 characters, a reply too long
for it is blocked before approval, with the reason, and a short one goes out."""
from __future__ import annotations

import asyncio

import pytest
from mastodon.errors import MastodonAPIError
from sqlalchemy import select

from bot.app.root import App
from bot.intake.bus import InProcessBus
from bot.clock import SystemClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.drafting.template import TemplateDrafter
from bot.ports import Command
from bot.store import tables as t
from bot.store.db import Database
from bot.types import ChatUser
from integrations.social.mastodon.network import MastodonPublisher
from integrations.social.mastodon.parse import parse_status
from tests.core.harness import StartedConsole, watch_published

WORKSPACE = """
version: 1
organisation: {name: Tandem, handles: {mastodon: tandem}}
teams: [{name: support, channel: "#support"}]
routes:
  - {name: support, team: support, match: {all: [{handle: tandem}, {keyword: [order, chain]}]}}
roles: {members: {sam: [agent], dana: [approver]}}
"""
SAM, DANA = ChatUser("sam", "Sam"), ChatUser("dana", "Dana")


@pytest.fixture
async def running(mastodon, people, tmp_path):
    """Rejoinder running with the Mastodon publisher, on an instance that allows 300."""
    mastodon.max_characters = 300
    ws = parse_workspace(WORKSPACE, "test.yaml")
    clock = SystemClock()
    db = await Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}").start()
    drafter = TemplateDrafter(organisation="Tandem")
    console = StartedConsole()
    app = App(ws, db, Core(ws, db, clock, drafter, drafter), {"console": console}, [],
              {"mastodon": MastodonPublisher(mastodon.url, people["tandem"].token)}, InProcessBus(), clock)
    published = watch_published(app)
    runner = asyncio.create_task(app.run())
    await asyncio.wait_for(console.started.wait(), timeout=10)
    yield app, published
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)


async def open_case(app: App, mastodon, person, text: str) -> tuple[int, dict]:
    status = await person.toot(text)
    [result] = await app.core.pipeline.ingest([parse_status(mastodon.public(mastodon.statuses[status["id"]]), "test")])
    return result.case_id, status


async def command(app: App, user: ChatUser, name: str, case_id: int, args: str = ""):
    return await app.dispatcher.run(Command(name, args, user, case_id=case_id))


def brand_replies(mastodon, people, to: str) -> list[dict]:
    return [s for s in mastodon.statuses.values()
            if s["account"]["id"] == people["tandem"].account["id"] and s["in_reply_to_id"] == to]


async def test_a_reply_too_long_for_the_instance_is_blocked_before_approval(running, mastodon, people):
    app, published = running
    case_id, status = await open_case(app, mastodon, people["maria"], "@tandem where is my order?")
    # 300 less "@maria " (7) is 293: 320 characters passed the guidelines' 468, never this instance.
    long_reply = ("Sorry Maria! " + "We are checking your order. " * 11).rstrip()
    assert len(long_reply) == 320
    edited = await command(app, SAM, "edit", case_id, long_reply)
    assert edited.ok
    reason = ("320/293 characters on Mastodon (the most the connected Mastodon account can post in this reply); "
              "shorten the reply by 27.")
    assert reason in edited.text
    refused = await command(app, DANA, "approve", case_id)
    assert not refused.ok and reason in refused.text
    async with app.db.sessions() as s:
        assert (await s.get(t.Case, case_id)).stage != "approved"
        assert (await s.execute(select(t.Outbox).where(t.Outbox.kind == "publish.reply"))).first() is None

    # The drafter aims at the same limit.
    async with app.db.sessions() as s:
        request = await app.core.drafts.request(s, await s.get(t.Case, case_id), None)
    assert request.length_limit == 293

    assert (await command(app, SAM, "edit", case_id, "Sorry Maria, we're on it. Could you DM us your order number?")).ok
    assert (await command(app, DANA, "approve", case_id)).ok
    await asyncio.wait_for(published.wait(), timeout=10)
    [made] = brand_replies(mastodon, people, status["id"])
    assert made["text"] == "@maria Sorry Maria, we're on it. Could you DM us your order number?"


async def test_the_limit_follows_the_authors_mention(running, mastodon, people):
    app, published = running
    case_id, status = await open_case(app, mastodon, people["olek"], "@tandem@social.test broken chain")
    # Mastodon counts "@olek@other.test " as "@olek " (6): 294 characters fit, 295 do not.
    assert (await command(app, SAM, "edit", case_id, "a" * 295)).text.count("295/294 characters on Mastodon") == 1
    assert (await command(app, SAM, "edit", case_id, "a" * 294)).ok
    assert (await command(app, DANA, "approve", case_id)).ok
    await asyncio.wait_for(published.wait(), timeout=10)
    [made] = brand_replies(mastodon, people, status["id"])
    assert made["text"] == "@olek@other.test " + "a" * 294


async def test_text_limit_is_the_instances_less_the_mention(mastodon, people):
    mastodon.max_characters = 300
    publisher = MastodonPublisher(mastodon.url, people["tandem"].token)
    assert publisher.text_limit("maria") is None  # not connected: no opinion yet
    await publisher.connect()
    assert publisher.text_limit("maria") == 293
    assert publisher.text_limit("@maria") == 293
    assert publisher.text_limit("olek@other.test") == 294
    assert publisher.text_limit(None) == publisher.text_limit("") == 268  # room for any "@author "
    await publisher.close()


async def test_the_emulator_refuses_a_status_over_its_limit(mastodon, people):
    mastodon.max_characters = 20
    with pytest.raises(MastodonAPIError, match="character limit of 20"):
        await people["maria"].toot("x" * 21)
    # A link counts 23 wherever it points, as on Mastodon.
    mastodon.max_characters = 23
    await people["maria"].toot("https://example.com/" + "p" * 40)
