"""Client-side pacing for a CRM's documented rate limit, and a pause every
caller honours after the CRM says "too many" (a 429's Retry-After, HubSpot's
daily policy, Salesforce's REQUEST_LIMIT_EXCEEDED). One Pacer per connection,
shared by reads and writes, so a burst of writes cannot starve the cards."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    def __init__(self, requests: int, per_seconds: float, clock: Callable[[], float] = time.monotonic,
                 margin: float = 0.1) -> None:
        # The vendor counts a request when it arrives, we when we send it: a
        # window a little longer than theirs keeps concurrent calls inside it.
        self.requests, self.per_seconds, self.clock = requests, per_seconds * (1 + margin), clock
        self.sent: deque[float] = deque()
        self.paused_until = 0.0
        self.lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Nobody calls for `seconds` (the CRM asked us to wait)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def paused_for(self) -> float:
        return max(self.paused_until - self.clock(), 0.0)

    async def turn(self, max_wait: float | None = None) -> None:
        """Wait for a slot in the sliding window. With `max_wait`, a pause the
        vendor asked for that is longer raises TimeoutError instead of waiting
        (the caller queues the work); our own pacing is always waited out."""
        async with self.lock:
            while True:
                now = self.clock()
                paused = self.paused_until - now
                if max_wait is not None and paused > max_wait:
                    raise TimeoutError(f"rate limited for another {paused:.0f}s")
                while self.sent and now - self.sent[0] >= self.per_seconds:
                    self.sent.popleft()
                wait = max(paused, self.sent[0] + self.per_seconds - now if len(self.sent) >= self.requests else 0.0)
                if wait <= 0:
                    self.sent.append(now)
                    return
                await asyncio.sleep(wait)
