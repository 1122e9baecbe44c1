"""The pacer keeps to a window and honours a pause, on a fake clock."""
from __future__ import annotations

import asyncio

import pytest

from integrations.crm.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_window_and_pause(monkeypatch):
    clock = Clock()
    slept: list[float] = []

    async def sleep(seconds):  # the fake clock moves instead of the test waiting
        slept.append(round(seconds, 3))
        clock.now += seconds

    monkeypatch.setattr(asyncio, "sleep", sleep)
    pacer = Pacer(3, 10.0, clock=clock, margin=0.0)
    for _ in range(3):
        await pacer.turn(max_wait=1.0)
    assert slept == []
    await pacer.turn(max_wait=1.0)  # the window is full: our own pacing is waited out, however long
    assert slept == [10.0]
    pacer.pause(30.0)
    with pytest.raises(TimeoutError):  # a long pause the vendor asked for is handed back
        await pacer.turn(max_wait=10.0)
    await pacer.turn()
    assert clock.now == pytest.approx(40.0)
