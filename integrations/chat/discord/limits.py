"""Discord's global limit, kept before it is hit.

discord.py learns each route's bucket from Discord's headers and waits for it,
but it meets the global limit (50 requests a second per bot) only as a 429,
which then stops every request for a while. Rejoinder paces its own REST calls
below that limit instead. Interaction answers do not count toward it and are
never held here.
"""
from __future__ import annotations

import asyncio
import time

GLOBAL_PER_SECOND = 50
RATE, BURST = 45.0, 5  # at most 50 in any one second, whatever the timing


class GlobalPace:
    """A token bucket shared by every REST call the platform makes."""

    def __init__(self, rate: float = RATE, burst: int = BURST) -> None:
        # A full bucket plus a second's refill can go out within one second: keep their sum under the limit.
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:  # first come, first served
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)
