"""The bus port: in-process, and Redis Streams on the real local server."""
from __future__ import annotations

import asyncio

from bot.intake.bus import InProcessBus
from integrations.bus.redis_streams import RedisStreamsBus


async def take(bus, topic, group, n, ack=True):
    got = []
    async for delivery in bus.consume(topic, group):
        got.append(delivery.payload)
        if ack:
            await delivery.ack()
        if len(got) == n:
            break
    return got


async def test_in_process_bus_delivers_in_order_and_redelivers_unacked():
    bus = InProcessBus()
    for i in range(3):
        await bus.publish("m", {"i": i})  # before any consumer: kept, not lost
    assert await take(bus, "m", "g", 2, ack=False) == [{"i": 0}, {"i": 1}]
    # A new consumer in the same group gets the unacked ones again, then the rest.
    assert await take(bus, "m", "g", 3) == [{"i": 0}, {"i": 1}, {"i": 2}]
    await bus.close()


async def test_redis_streams_bus_survives_a_consumer_restart(redis_url):
    first = RedisStreamsBus(redis_url, prefix="t1", consumer="c1", block_ms=200)
    for i in range(5):
        await first.publish("m", {"i": i})
    got = await take(first, "m", "pipeline", 2, ack=False)  # crash before ack
    assert got == [{"i": 0}, {"i": 1}]
    await first.close()

    second = RedisStreamsBus(redis_url, prefix="t1", consumer="c1", block_ms=200)
    got = await asyncio.wait_for(take(second, "m", "pipeline", 5), timeout=10)
    assert got == [{"i": i} for i in range(5)]  # pending first, then new; each once
    await second.publish("m", {"i": 5})
    assert await asyncio.wait_for(take(second, "m", "pipeline", 1), timeout=10) == [{"i": 5}]
    await second.close()


async def test_batches_take_what_is_waiting():
    bus = InProcessBus()
    for i in range(7):
        await bus.publish("m", {"i": i})
    batches = bus.consume_batches("m", "g", max_items=5)
    first = await anext(batches)
    second = await anext(batches)
    assert [d.payload["i"] for d in first] == [0, 1, 2, 3, 4]
    assert [d.payload["i"] for d in second] == [5, 6]  # no waiting for a full batch
    await bus.close()


async def test_redis_batches_take_what_is_waiting(redis_url):
    bus = RedisStreamsBus(redis_url, prefix="t2", consumer="c1", block_ms=200)
    for i in range(7):
        await bus.publish("m", {"i": i})
    batches = bus.consume_batches("m", "g", max_items=5)
    first = await asyncio.wait_for(anext(batches), timeout=10)
    assert [d.payload["i"] for d in first] == [0, 1, 2, 3, 4]
    for d in first:
        await d.ack()
    second = await asyncio.wait_for(anext(batches), timeout=10)
    assert [d.payload["i"] for d in second] == [5, 6]
    await bus.close()


async def test_a_restarted_process_claims_what_the_crashed_one_left_unacked(redis_url):
    """A new process is a new consumer (its name holds the process id): it takes
    over the entries the old one read and never acked, once they are idle."""
    crashed = RedisStreamsBus(redis_url, prefix="t3", consumer="host-111", block_ms=200)
    for i in range(4):
        await crashed.publish("m", {"i": i})
    assert await take(crashed, "m", "pipeline", 2, ack=False) == [{"i": 0}, {"i": 1}]  # read 4, acked none
    await crashed.close()

    # Entries read moments ago are not claimed: a live consumer may still be working on them.
    patient = RedisStreamsBus(redis_url, prefix="t3", consumer="host-222", block_ms=200, claim_idle_ms=3_600_000)
    await patient.publish("m", {"i": 4})
    assert await asyncio.wait_for(take(patient, "m", "pipeline", 1), timeout=10) == [{"i": 4}]
    await patient.close()

    restarted = RedisStreamsBus(redis_url, prefix="t3", consumer="host-333", block_ms=200, claim_idle_ms=0)
    got = await asyncio.wait_for(take(restarted, "m", "pipeline", 4), timeout=10)
    assert got == [{"i": i} for i in range(4)]  # each once, in order
    assert (await restarted.client.xpending("t3:m", "pipeline"))["pending"] == 0
    await restarted.close()


async def test_consumer_names_do_not_pile_up_over_restarts(redis_url):
    import redis.asyncio as redis

    stopped = RedisStreamsBus(redis_url, prefix="t4", consumer="host-1", block_ms=100)
    await stopped.publish_many("m", [{"n": 1}, {"n": 2}])
    reader = stopped.consume_batches("m", "g", 1)
    await (await anext(reader))[0].ack()
    await reader.aclose()
    await stopped.close()  # a clean stop: its name held nothing and goes with it
    killed = RedisStreamsBus(redis_url, prefix="t4", consumer="host-2", block_ms=100)
    reader = killed.consume_batches("m", "g", 1)
    assert [d.payload for d in await anext(reader)] == [{"n": 2}]  # read, never acked: then killed
    await killed.client.aclose()
    client = redis.from_url(redis_url)

    async def names() -> list[bytes]:
        return [c["name"] for c in await client.xinfo_consumers("t4:m", "g")]

    assert await names() == [b"host-2"]
    # Forgetting at once, but host-2 still holds its entry, which nobody has taken over yet.
    patient = RedisStreamsBus(redis_url, prefix="t4", consumer="host-3", block_ms=100,
                              claim_idle_ms=3_600_000, forget_after_ms=0)
    await patient.publish("m", {"n": 3})
    reader = patient.consume_batches("m", "g", 1)
    assert [d.payload for d in await anext(reader)] == [{"n": 3}]
    assert b"host-2" in await names()
    await reader.aclose()
    await patient.close()  # host-3 holds its unacked entry: its name stays
    assert sorted(await names()) == [b"host-2", b"host-3"]
    # Once another process has taken their entries over, the dead names go.
    taker = RedisStreamsBus(redis_url, prefix="t4", consumer="host-4", block_ms=100, claim_idle_ms=0, forget_after_ms=0)
    reader = taker.consume_batches("m", "g", 10)
    assert sorted(d.payload["n"] for d in await anext(reader)) == [2, 3]
    assert b"host-2" not in await names() and b"host-3" not in await names()
    await reader.aclose()
    await taker.close()
    await client.aclose()
