"""Tokens never reach the log, even at debug level, through connecting,
events, clicks and posts."""
from __future__ import annotations

import logging

from tests.slack_e2e.world import DANA


async def test_tokens_are_never_logged_even_at_debug(make_world, sqlite_url, emu, caplog):
    caplog.set_level(logging.DEBUG)
    world = await make_world(sqlite_url)
    case_id, card = await world.drafted()
    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")
    assert len(caplog.records) > 20  # the clients did log, at debug
    for token in (emu.bot_token, emu.app_token):
        assert token not in caplog.text
