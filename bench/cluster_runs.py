"""The processes of the cluster bench: one fresh database and stream per
run, the `rejoinder run` processes started on them, and the waits and CPU
readings the figures are made of."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not through bench/run.py
    sys.path.insert(0, str(ROOT))
POSTGRES_ADMIN = os.environ.get("REJOINDER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REJOINDER_TEST_REDIS", "redis://127.0.0.1:6379/15")
SHARE = 0.03  # a stream is mostly noise: 3 in 100 posts start a conversation worth a case


async def admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Run:
    """One fresh database and stream prefix, and the processes started on them."""

    def __init__(self, folder: Path, database: str, lines: int, lease: float = 10.0) -> None:
        from tests.cluster.feed import write_feed

        self.folder, self.database, self.procs = folder, database, []
        self.feed = write_feed(folder, lines, share=SHARE)
        self.lines = lines
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "REJOINDER_DATABASE_URL": database, "REJOINDER_STREAM_PREFIX": self.prefix,
                    "REJOINDER_LEASE_SECONDS": str(lease), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
                    "REJOINDER_HTTP_PORT": "0"}  # any free port: several processes run side by side
        if not database.startswith("sqlite"):
            self.env["REDIS_URL"] = REDIS_URL

    def start(self, role: str = "all") -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "from bot.app.cli import main; main()", "run", "--config",
                                 str(self.folder / "rejoinder.yaml"), "--role", role], cwd=self.folder, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=open(self.folder / f"p{len(self.procs)}.log", "ab"))
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        for proc in self.procs:
            self.stop(proc)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU the process has used so far."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Rate:
    """Mentions per second and CPU seconds per 1,000 mentions of the processes
    that did the work. On a shared machine the wall clock counts other
    programs' turns too; CPU seconds per mention do not."""

    def __init__(self, lines: int, seconds: float, cpu: list[float]) -> None:
        self.per_s = lines / seconds
        self.cpu_per_1000 = sum(cpu) / lines * 1000  # all processes together
        self.cpu_each = [round(c, 1) for c in cpu]
        self.missing: list[str] = []  # posts of the feed that should be stored and are not
        self.expected = 0


async def scalar(db, sql: str):
    async with db.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar()


async def until(check, timeout: float, every: float = 0.1, procs: list | None = None) -> float:
    """Seconds until `check()` is true; fails at once if one of `procs` has died."""
    start = time.perf_counter()
    while not await check():
        dead = [p for p in procs or () if p.poll() is not None]
        if dead:
            raise RuntimeError(f"a rejoinder process exited with code {dead[0].returncode} (its log: p<n>.log)")
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the processes did not get there in time")
        await asyncio.sleep(every)
    return time.perf_counter() - start


async def open_db(database: str):
    from bot.store.db import Database

    return await Database(database).start()


async def has_mentions(db) -> bool:
    return bool(await scalar(db, "SELECT count(*) FROM cursors"))


async def consumers(bus, n: int) -> bool:
    info = await bus.info("mentions")
    return bool(info["groups"]) and info["groups"][0]["consumers"] >= n


async def fresh_postgres() -> str:
    name = f"rejoinder_bench_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


async def drop(url: str) -> None:
    await admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
