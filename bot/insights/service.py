"""Everything that watches the workspace on a timer: SLA clocks, spikes and
scheduled reports. One tick queues outbox rows; the chat worker sends them."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.chat.effects import ChatEffects
from bot.clock import Clock
from bot.config.workspace import Workspace
from bot.insights.effects import InsightEffects
from bot.insights.holding import HoldingReplies
from bot.insights.reports.service import Reports
from bot.insights.sla import SlaWatcher
from bot.insights.spike_watch import SpikeWatch
from bot.store.db import Database

log = logging.getLogger(__name__)


class Insights:
    def __init__(self, db: Database, ws: Workspace, clock: Clock, core, chat: ChatEffects) -> None:
        self.sla = SlaWatcher(db, ws, clock, core.cases)
        self.holding = HoldingReplies(core)  # crisis holding replies, drafted as posts come in
        self.spikes = SpikeWatch(db, ws, clock)
        self.reports = Reports(db, ws, clock)
        self.effects = InsightEffects(chat, self.reports)

    async def tick(self) -> int:
        """One look at everything; returns how many outbox rows were queued."""
        return (await self.holding.scan() + await self.sla.scan() + await self.spikes.scan()
                + await self.reports.schedule())

    def poke(self) -> None:
        """New posts were stored: a route in crisis gets its holding replies now, not at the next tick."""
        self.holding.poke()

    async def run_forever(self, on_queued: Callable[[], None], every: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            full = loop.time() >= next_tick
            self.holding.wake.clear()
            try:
                if await (self.tick() if full else self.holding.scan()):
                    on_queued()
            except Exception:  # noqa: BLE001 - a failed look is logged and tried again next time
                log.exception("insights tick failed")
            if full:
                next_tick = loop.time() + every
            try:  # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                async with asyncio.timeout(max(0.0, next_tick - loop.time())):
                    await self.holding.wake.wait()
            except TimeoutError:
                pass
