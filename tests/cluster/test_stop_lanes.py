"""A stop ends the pipeline lanes even when the Redis client swallows a
cancellation that lands inside a read, as happened on a loaded machine: the
lane then read on, and its process never exited."""
from __future__ import annotations

import asyncio
import io

import pytest

from rich.console import Console
from sqlalchemy import func, select

from bot.app.root import App
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from bot.store import tables as t
from integrations.chat.console import ConsolePlatform
from tests.cluster.feed import write_feed


async def test_a_stop_ends_lanes_whose_redis_read_swallowed_the_cancel(postgres_url, redis_url, tmp_path):
    feed = write_feed(tmp_path, 200)
    settings = Settings(database_url=postgres_url, redis_url=redis_url, pipeline_lanes=2)
    app = await App.create(settings, load_workspace(tmp_path / "rejoinder.yaml"), tmp_path,
                           platforms={"console": ConsolePlatform(Console(file=io.StringIO()))})
    read = app.bus.client.xreadgroup
    swallowed: list[str] = []

    async def xreadgroup(group, consumer, *args, **kwargs):
        try:
            return await read(group, consumer, *args, **kwargs)
        except asyncio.CancelledError:
            if consumer in swallowed:
                raise
            swallowed.append(consumer)  # once per lane
            return []

    app.bus.client.xreadgroup = xreadgroup
    run = asyncio.create_task(app.run(roles={"sources", "pipeline"}))
    while await _stored(app) < len(feed.expected):  # the feed is in: both lanes sit idle in a blocking read
        await asyncio.wait({run}, timeout=0.05)
        assert not run.done(), run.exception()
    app.stop()
    done, _ = await asyncio.wait({run}, timeout=30)
    if not done:
        app.bus._closed = True  # ends the lanes' reads, so this is reported instead of hanging the suite
        await run
        pytest.fail("the process did not stop within 30 s: a lane read on")
    assert len(swallowed) == 2, swallowed  # each lane lost one cancellation, and still ended


async def _stored(app: App) -> int:
    async with app.db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(t.Mention))).scalar_one()


async def test_cancel_until_done_asks_again_a_task_that_swallowed_the_first_cancellation():
    from bot.cluster.stopping import cancel_until_done

    swallowed: list[int] = []
    started = asyncio.Event()

    async def stubborn() -> None:
        started.set()
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)

    task = asyncio.create_task(stubborn())
    await started.wait()
    async with asyncio.timeout(10):
        await cancel_until_done([task], every=0.05)
    assert task.cancelled() and swallowed == [1]
