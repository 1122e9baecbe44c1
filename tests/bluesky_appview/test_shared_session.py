"""The publisher and the notifications source of one brand share one session:
a start that polls notifications and replies costs one password login, and the
next start on the same database costs none."""
from __future__ import annotations

from contextlib import aclosing

import pytest

from bot.config.loader import parse_workspace
from bot.intake.pipeline import load_cursor
from bot.app.settings import Settings
from bot.app.sources import build_sources
from bot.store.db import Database
from tests.bluesky.conftest import bluesky_source, collect_until, mention_ids, post


def workspace(net) -> str:
    return """
version: 1
teams: [{name: support, channel: "#support"}]
""" + bluesky_source(net, handle_env="TEST_BRAND_HANDLE", password_env="TEST_BRAND_PASSWORD",
                      notifications="true", notifications_poll_interval="0.1")


@pytest.fixture
async def db(tmp_path):
    database = await Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}").start()
    yield database
    await database.close()


async def start_polling_and_reply(net, db, tmp_path, sent, draft: str):
    """Build as the app does, read notifications until `sent` shows up, reply to it."""
    sources, publishers = build_sources(parse_workspace(workspace(net), "rejoinder.yaml"), Settings(), tmp_path, db)
    notifications, publisher = sources[1], publishers["bluesky"]
    try:
        async with aclosing(notifications.items(None)) as items:
            seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))
        mention = next(i.mention for i in seen if i.mention and i.mention.external_id == sent.uri)
        await publisher.reply(mention, "Sorry! We have sent you a DM.", draft)
    finally:
        await publisher.close()
    return notifications, publisher


async def test_publisher_and_notifications_share_one_session_kept_between_starts(
        bluesky_appview_network, customers, new_brand, as_user, db, tmp_path, monkeypatch):
    brand, maria = new_brand(), customers["maria"]
    monkeypatch.setenv("TEST_BRAND_HANDLE", brand.handle)
    monkeypatch.setenv("TEST_BRAND_PASSWORD", brand.password)
    sent = await post(await as_user(maria), maria.did, f"@{brand.handle} my order never arrived")

    notifications, publisher = await start_polling_and_reply(bluesky_appview_network, db, tmp_path, sent, "c1-d1")
    assert notifications.session is publisher.session
    assert publisher.password_logins == 1  # one login for polling and replying
    assert await load_cursor(db, f"session:bluesky:{brand.handle}") == publisher.session_string

    monkeypatch.setenv("TEST_BRAND_PASSWORD", "not the password: it must not be needed")
    notifications, publisher = await start_polling_and_reply(bluesky_appview_network, db, tmp_path, sent, "c1-d2")
    assert notifications.session is publisher.session and publisher.password_logins == 0
