"""Runs a Source's `items()` in the background and lets a test wait for what it
yields or reports (a source's `on_error` callback is pointed at `problems`)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing

import pytest

from bot.ports import Source

WAIT = 10.0


class Drain:
    def __init__(self, source: Source, cursor: str | None = None) -> None:
        self.source, self.items, self.problems = source, [], []
        if hasattr(source, "on_error"):
            source.on_error = self.report
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run(cursor))

    async def _run(self, cursor: str | None) -> None:
        try:
            async with aclosing(self.source.items(cursor)) as items:
                async for item in items:
                    self.items.append(item)
                    self._changed.set()
        finally:
            self._changed.set()

    def report(self, problem: str) -> None:
        self.problems.append(problem)
        self._changed.set()

    @property
    def mentions(self) -> list:
        return [i.mention for i in self.items if i.mention is not None]

    @property
    def ids(self) -> list[str]:
        return [m.external_id for m in self.mentions]

    @property
    def cursor(self) -> str | None:
        saved = [i.cursor for i in self.items if i.cursor is not None]
        return saved[-1] if saved else None

    async def until(self, condition: Callable[[], bool], timeout: float = WAIT) -> None:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self._changed.clear()  # before the check, so no change slips between the two
                    if condition() or self._task.done():
                        break
                    await self._changed.wait()
        except TimeoutError:
            pytest.fail(f"condition not met within {timeout} s; mentions seen: {self.ids}; problems: {self.problems}")
        if not condition():
            self._task.result()  # raises what stopped the source
            pytest.fail(f"the source ended; mentions seen: {self.ids}")

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.wait({self._task})
