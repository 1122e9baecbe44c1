"""The platform's own pace keeps every REST call under Discord's global limit,
however the calls are timed (a full bucket plus a second's refill included)."""
from __future__ import annotations

import asyncio
import time

from integrations.chat.discord.limits import GLOBAL_PER_SECOND, RATE, BURST, GlobalPace


def most_in_one_second(times: list[float]) -> int:
    best, lo = 0, 0
    for hi, at in enumerate(times):
        while at - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_no_second_holds_more_than_the_rate_and_the_burst():
    pace = GlobalPace(rate=20, burst=2)  # scaled down: the same arithmetic as 45 + 5
    times = []

    async def call() -> None:
        await pace.take()
        times.append(time.monotonic())

    await asyncio.gather(*(call() for _ in range(30)))  # all at once, as a burst of posts would come
    assert len(times) == 30
    assert most_in_one_second(sorted(times)) <= 22


def test_the_default_pace_stays_under_discords_limit():
    assert RATE + BURST <= GLOBAL_PER_SECOND
