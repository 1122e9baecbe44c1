"""Fixtures: the local Slack with our people and channels, and a running
Rejoinder connected to it (see world.py)."""
from __future__ import annotations


import pytest

from tests.chat_worlds import worlds_without_errors

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
    """start(database_url, **options) -> a running SlackWorld, stopped afterwards;
    any error logged during the test fails it."""
    async with worlds_without_errors(start_world, emu, tmp_path, caplog) as start:
        yield start


@pytest.fixture
async def world(make_world, sqlite_url) -> SlackWorld:
    return await make_world(sqlite_url)
