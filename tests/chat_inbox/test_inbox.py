"""The chat inbox on SQLite and PostgreSQL: a redelivery is kept once, two
workers (two processes) never handle one input twice, one person's inputs
keep their order, and an input that keeps failing is retried, then set aside
with its error."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.chat.inbox import ChatInbox
from bot.clock import SystemClock
from bot.ports import ChatInput
from bot.store import tables as t
from bot.store.db import Database


async def test_two_workers_handle_each_input_once_and_each_person_in_order(database_url):
    db = await Database(database_url).start()
    other = await Database(database_url).start()  # as a second process would
    handled: list[tuple[str, str]] = []
    done = asyncio.Event()

    async def handle(item: ChatInput) -> None:
        handled.append((item.lane, item.key))
        await asyncio.sleep(0)  # let the other worker try the same rows meanwhile
        if len(handled) >= 40:
            done.set()

    first, second = ChatInbox(db, SystemClock()), ChatInbox(other, SystemClock())
    for inbox in (first, second):
        inbox.add_platform("slack", handle)
    try:
        for n in range(40):
            item = ChatInput("slack", f"k{n}", "action", {"n": n}, lane=f"U{n % 4}")
            assert await first.record(item) is True
        assert await second.record(ChatInput("slack", "k0", "action", {"n": 0}, lane="U0")) is False  # redelivered
        workers = [asyncio.create_task(inbox.run_forever(idle=0.05)) for inbox in (first, second)]
        async with asyncio.timeout(30):
            await done.wait()
            await first.idle()
            await second.idle()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        assert sorted(key for _, key in handled) == sorted(f"k{n}" for n in range(40))  # each once
        for lane in ("U0", "U1", "U2", "U3"):
            keys = [int(key[1:]) for who, key in handled if who == lane]
            assert keys == sorted(keys)
        async with db.sessions() as s:
            assert set((await s.execute(select(t.ChatInbox.status))).scalars()) == {"done"}
    finally:
        await db.close()
        await other.close()


async def test_an_input_that_keeps_failing_is_retried_then_set_aside(database_url):
    db = await Database(database_url).start()
    tries = 0

    async def broken(item: ChatInput) -> None:
        nonlocal tries
        tries += 1
        raise RuntimeError("Slack is away")

    inbox = ChatInbox(db, SystemClock(), max_attempts=3, retry_delay=timedelta(0))
    inbox.add_platform("slack", broken)
    try:
        await inbox.record(ChatInput("slack", "k1", "action", {}, lane="U1"))
        worker = asyncio.create_task(inbox.run_forever(idle=0.02))
        await inbox.wait_settled(1)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        async with db.sessions() as s:
            row = (await s.execute(select(t.ChatInbox))).scalar_one()
        assert tries == 3 and row.status == "failed" and row.attempts == 3 and "Slack is away" in row.error
    finally:
        await db.close()
