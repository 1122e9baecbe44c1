"""The bot token never reaches the log, even at debug level, through login,
the gateway handshake, events, clicks and posts."""
from __future__ import annotations

import logging

from tests.discord_e2e.world import DANA


async def test_the_token_is_never_logged_even_at_debug(make_world, sqlite_url, emu, caplog):
    caplog.set_level(logging.DEBUG)
    world = await make_world(sqlite_url)
    case_id, card = await world.drafted()
    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")
    assert any(r.name.startswith("discord.") and r.levelno == logging.DEBUG for r in caplog.records)
    assert emu.token not in caplog.text
