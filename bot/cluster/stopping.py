"""Ending tasks for certain when a process stops.

A cancellation can be lost: one that lands inside a Redis read can be
swallowed by the client, and the task reads on. An `asyncio.TaskGroup` asks
each of its tasks to stop only once, and does not pass a later cancellation
on to the tasks inside it. A stop that asked once could then wait for ever
(a process that never exits on SIGTERM), so it asks again until every task
has ended.
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class Quit(Exception):
    """Raised by a task to end its task group: the stop is done, or `quit` was typed."""


async def cancel_until_done(tasks: list[asyncio.Task], every: float = 1.0) -> None:
    """Cancel each task, and again every `every` seconds, until all have ended."""
    rounds = 0
    while pending := [task for task in tasks if not task.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=every)
        rounds += 1
        if rounds == 5:  # worth knowing: something keeps swallowing cancellations
            log.warning("still stopping: %s", ", ".join(task.get_name() for task in pending))
