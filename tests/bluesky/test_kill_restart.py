"""`rejoinder run` as a real process on the local Bluesky network, killed with
SIGKILL in the middle of a stream of posts and started again: every post
becomes exactly one mention and one case. The test follows the process's own
output (one line per new case card) and never sleeps."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.intake.pipeline import save_cursor
from bot.store import tables as t
from bot.store.db import Database
from tests.bluesky.conftest import post
from tests.bluesky.test_app_loop import workspace

POSTS, STORED_AT_KILL = 40, 3
WAIT = 60.0


class Run:
    """One `rejoinder run` process and the cases it has announced."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.app.cli import main; main()", "run",
            env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)

    async def until(self, done, timeout: float = WAIT) -> None:
        """Read the process's output until `done()` (checked after every line) holds."""
        async def follow() -> None:
            while not await done():
                line = await self.proc.stdout.readline()
                if not line:
                    raise AssertionError(f"rejoinder run exited with {await self.proc.wait()}")
        await asyncio.wait_for(follow(), timeout)

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL


async def test_sigkill_mid_stream_then_restart_turns_every_post_into_one_case(
        bluesky_network, accounts, as_user, tmp_path):
    tag = f"k{uuid.uuid4().hex[:8]}"  # the shared network also carries other tests' posts
    (tmp_path / "rejoinder.yaml").write_text(workspace(bluesky_network, accounts), encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    db = await Database(url).start()
    async with db.transaction() as s:  # a fresh install listens from now; this one from the start
        await save_cursor(s, "bsky", "0", SystemClock())
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(REJOINDER_CONFIG=str(tmp_path / "rejoinder.yaml"), REJOINDER_DATABASE_URL=url, LOG_LEVEL="WARNING",
               TEST_BSKY_HANDLE=accounts["tandem"].handle, TEST_BSKY_PASSWORD=accounts["tandem"].password,
               COLUMNS="200", PYTHONUNBUFFERED="1")  # each card line reaches us as it is printed

    async def stored() -> list[tuple[str, int]]:
        async with db.sessions() as s:
            rows = await s.execute(select(t.Mention.external_id, t.Mention.case_id)
                                   .where(t.Mention.text.like(f"%{tag}%")))
            return [tuple(row) for row in rows]

    olek, did = await as_user("olek"), accounts["olek"].did
    posted = []

    killed = asyncio.Event()

    async def stream() -> None:  # goes on while Rejoinder is killed and down
        for i in range(POSTS):
            if i == POSTS // 2:
                await killed.wait()  # the second half is posted after the kill, whatever the pace
            posted.append(await post(olek, did, f"@tandem.test brake squeak {tag} number {i}"))

    run = Run(env)
    await run.start()
    try:
        first = await post(olek, did, f"@tandem.test brake squeak {tag} warm-up")

        async def listening() -> bool:
            return len(await stored()) == 1

        await run.until(listening)  # the process is up and following the firehose
        poster = asyncio.create_task(stream())

        async def some_stored() -> bool:
            return len(await stored()) >= 1 + STORED_AT_KILL

        await run.until(some_stored)
    finally:
        await run.kill()
        killed.set()
    at_kill, posted_at_kill = len(await stored()), len(posted)
    await poster

    run = Run(env)
    await run.start()  # resumes from the cursor saved with the last stored mentions
    try:
        async def all_stored() -> bool:
            return len(await stored()) >= 1 + POSTS

        await run.until(all_stored)
        rows = await stored()
        async with db.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(t.Mention)
                                     .where(t.Mention.text.like(f"%{tag}%")))).scalar_one()
    finally:
        await run.kill()
        await db.close()
    assert 1 + STORED_AT_KILL <= at_kill <= 1 + posted_at_kill and posted_at_kill < POSTS  # killed mid-stream
    assert sorted(uri for uri, _case in rows) == sorted(p.uri for p in [first, *posted])  # none lost
    assert total == 1 + POSTS and len({case for _uri, case in rows}) == 1 + POSTS  # none doubled: one case each
