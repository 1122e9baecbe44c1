"""Reading a Source in tests: run `items(cursor)` in a task, keep what it
yields, and wait on conditions instead of sleeping."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

import pytest

from bot.ports import SourceItem

WAIT = 10.0  # a Bluesky post reaches the firehose in ms, or ~1 s after the PDS idled


def mention_ids(items: list[SourceItem]) -> list[str]:
    return [i.mention.external_id for i in items if i.mention]


async def collect_until(items: AsyncIterator[SourceItem], done: Callable[[list[SourceItem]], bool],
                        timeout: float = WAIT) -> list[SourceItem]:
    """Read items until `done(seen)` holds; fail with what was seen after `timeout`."""
    seen: list[SourceItem] = []
    try:
        async with asyncio.timeout(timeout):
            async for item in items:
                seen.append(item)
                if done(seen):
                    return seen
    except TimeoutError:
        got = [i.mention.text if i.mention else (i.deleted_id or f"cursor {i.cursor}") for i in seen]
        pytest.fail(f"condition not met within {timeout} s; items seen: {got}")
    pytest.fail("the source ended before the condition was met")


class Reader:
    """Runs `source.items(cursor)` in a task and keeps what it yields, saving
    the cursor of each item as the core would."""

    def __init__(self, source, cursor: str | None = None) -> None:
        self.items: list[SourceItem] = []
        self.cursor = cursor
        self._changed = asyncio.Condition()
        self.task = asyncio.create_task(self._run(source, cursor))

    async def _run(self, source, cursor) -> None:
        try:
            async with aclosing(source.items(cursor)) as items:
                async for item in items:
                    self.items.append(item)
                    self.cursor = item.cursor if item.cursor is not None else self.cursor
                    await self._poke()
        finally:
            await self._poke()

    async def _poke(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait(self, done: Callable[[list[SourceItem]], bool], timeout: float = WAIT) -> list[SourceItem]:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: done(self.items) or self.task.done()), timeout)
            except TimeoutError:
                got = [i.mention.text if i.mention else (i.deleted_id or f"cursor {i.cursor}") for i in self.items]
                pytest.fail(f"condition not met within {timeout} s; items seen: {got}")
        if not done(self.items):
            self.task.result()  # raises what ended the source
            pytest.fail("the source ended before the condition was met")
        return self.items

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.wait({self.task})


@pytest.fixture
async def read() -> AsyncIterator[Callable[..., Reader]]:
    readers: list[Reader] = []

    def start(source, cursor: str | None = None) -> Reader:
        readers.append(Reader(source, cursor))
        return readers[-1]
    yield start
    for reader in readers:
        await reader.stop()
