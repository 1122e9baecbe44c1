"""Fixtures: the local Discord with our people, servers and channels, the
real discord.py pointed at it, and a running Rejoinder (see world.py)."""
from __future__ import annotations

import logging

import pytest

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
    """start(database_url, **options) -> a running DiscordWorld, stopped
    afterwards. Inbound work only logs its failures, so any error logged
    during the test fails it."""
    worlds: list[DiscordWorld] = []

    async def start(database_url: str, **options) -> DiscordWorld:
        world = await start_world(emu, database_url, tmp_path, **options)
        worlds.append(world)
        return world

    caplog.set_level(logging.WARNING)
    yield start
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    for world in worlds:
        await world.stop()
    assert errors == [], errors


@pytest.fixture
async def world(make_world, sqlite_url) -> DiscordWorld:
    return await make_world(sqlite_url)
