"""Stream lag as /metrics and `rejoinder status` read it, on the Redis server."""
from __future__ import annotations

import uuid
from contextlib import aclosing

from bot.app.observe import stream_lag
from integrations.bus.redis_streams import RedisStreamsBus


async def test_lag_counts_entries_not_yet_read_and_read_but_not_acked(redis_url):
    bus = RedisStreamsBus(redis_url, prefix=f"lag-{uuid.uuid4().hex[:8]}", block_ms=100)
    try:
        assert await stream_lag(bus, "mentions") is None  # no stream yet: unknown, not zero
        for n in range(3):
            await bus.publish("mentions", {"n": n})
        async with aclosing(bus.consume_batches("mentions", "pipeline", 2)) as batches:
            first = await anext(batches)  # two read, none acked
            assert len(first) == 2 and await stream_lag(bus, "mentions") == 3
            for delivery in first:
                await delivery.ack()
            assert await stream_lag(bus, "mentions") == 1
            [last] = await anext(batches)
            await last.ack()
            assert await stream_lag(bus, "mentions") == 0
    finally:
        await bus.close()
