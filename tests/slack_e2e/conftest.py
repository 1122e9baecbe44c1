"""Fixtures: the local Slack with our people and channels, and a running
Rejoinder connected to it (see world.py)."""
from __future__ import annotations

import logging

import pytest

from tests.emulators.slack import SlackEmulator
from tests.slack_e2e.world import SlackWorld, people, start_world


@pytest.fixture
async def emu():
    emulator = await SlackEmulator().start()
    people(emulator)
    yield emulator
    await emulator.close()


@pytest.fixture
async def make_world(emu, tmp_path, caplog):
    """start(database_url, **options) -> a running SlackWorld, stopped afterwards.
    Work the Slack listeners do after the ack only logs its failures, so any
    error logged during the test fails it."""
    worlds: list[SlackWorld] = []

    async def start(database_url: str, **options) -> SlackWorld:
        world = await start_world(emu, database_url, tmp_path, **options)
        worlds.append(world)
        return world

    caplog.set_level(logging.WARNING)
    yield start
    # Checked before stopping: cancelling work at shutdown may log its own noise.
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    for world in worlds:
        await world.stop()
    assert errors == [], errors


@pytest.fixture
async def world(make_world, sqlite_url) -> SlackWorld:
    return await make_world(sqlite_url)
