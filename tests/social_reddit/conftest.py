from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.social.reddit.network import RedditPublisher, RedditSource
from tests.emulators.reddit import RedditEmulator

AGENT = "python:rejoinder-tests:0.1 (by /u/acme_support)"
BRAND, PASSWORD = "acme_support", "hunter2"


@pytest.fixture
async def reddit() -> AsyncIterator[RedditEmulator]:
    emulator = await RedditEmulator().start()
    yield emulator
    await emulator.close()


def make_source(emu: RedditEmulator, subreddits=("acme",), keywords=("acme",), **kw) -> RedditSource:
    kw.setdefault("poll_interval", 60.0)  # tests poll on demand with poll_now()
    return RedditSource("reddit-test", emu.client_id, emu.client_secret, AGENT, list(subreddits), list(keywords),
                        base_url=emu.base_url, **kw)


@pytest.fixture
async def publisher(reddit) -> AsyncIterator[RedditPublisher]:
    made = RedditPublisher(reddit.client_id, reddit.client_secret, AGENT, BRAND, PASSWORD, base_url=reddit.base_url)
    yield made
    await made.close()
