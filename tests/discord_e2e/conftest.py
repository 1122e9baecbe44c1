"""Fixtures: the local Discord with our people, servers and channels, the
real discord.py pointed at it, and a running Rejoinder (see world.py)."""
from __future__ import annotations


import pytest

from tests.chat_worlds import worlds_without_errors

from tests.discord_e2e.world import DiscordWorld, people, start_world
from tests.emulators.discord import DiscordEmulator, point_discord_py_at


@pytest.fixture
async def emu():
    emulator = await DiscordEmulator().start()
    people(emulator)
    restore = point_discord_py_at(emulator)
    yield emulator
    restore()
    await emulator.close()


@pytest.fixture
async def make_world(emu, tmp_path, caplog):
    """start(database_url, **options) -> a running DiscordWorld, stopped afterwards;
    any error logged during the test fails it."""
    async with worlds_without_errors(start_world, emu, tmp_path, caplog) as start:
        yield start


@pytest.fixture
async def world(make_world, sqlite_url) -> DiscordWorld:
    return await make_world(sqlite_url)
