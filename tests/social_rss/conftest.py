from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.emulators.feeds import FeedServer


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = await FeedServer().start()
    yield server
    await server.close()
