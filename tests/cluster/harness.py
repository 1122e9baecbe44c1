"""Real `rejoinder run` processes for the cluster tests and the bench, on
this machine's PostgreSQL and Redis."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import func, select

from bot.store import tables as t
from bot.store.db import Database

ROOT = Path(__file__).resolve().parents[2]


def scale() -> float:
    """A share of the full counts (20,000 mentions, 300 approvals), 1 by
    default; REJOINDER_CLUSTER_SCALE=0.1 runs a tenth, for a quick look."""
    return float(os.environ.get("REJOINDER_CLUSTER_SCALE", "1"))


# The processes the kill-and-restart runs start, by name, with their roles;
# docker-compose.yml starts the same (tests/cluster/test_compose.py checks it).
TOPOLOGY = {"a": "all", "b": "all", "c": "all"}
# The settings that make them one cluster, as the harness sets them below.
CLUSTER_SETTINGS = ("REJOINDER_DATABASE_URL", "REDIS_URL", "REJOINDER_LEASE_SECONDS")


class Cluster:
    # REJOINDER_LEASE_SECONDS: short, so a killed process's work is taken over within seconds, yet an outbox
    # lease (3×) leaves a process whose loop is held up by restarts on a busy 2-core machine time to notice
    # it may have run out (a third of it) before it acts: with 1 s, a 1 s stall between that check and a
    # reply let another process publish the same reply.
    def __init__(self, folder: Path, database_url: str, redis_url: str, lease: float = 2.0,
                 extra_env: dict | None = None) -> None:
        self.folder, self.procs, self.started = folder, {}, 0
        self.stopped: set[int] = set()  # pids the test stopped itself (SIGTERM)
        # A Redis database no test fixture flushes: a suite running beside this one empties 15.
        redis_url = redis_url.rsplit("/", 1)[0] + "/13"
        self.env = {**os.environ, "REJOINDER_DATABASE_URL": database_url, "REDIS_URL": redis_url,
                    "REJOINDER_STREAM_PREFIX": f"cluster-{uuid.uuid4().hex[:8]}", "REJOINDER_LEASE_SECONDS": str(lease),
                    "REJOINDER_TEST_CHAT_LOG": str(folder / "chat.jsonl"), "LOG_LEVEL": "WARNING",
                    "REJOINDER_HTTP_PORT": "0",  # each process its own health and metrics port
                    "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.env.pop("REJOINDER_CONFIG", None)

    def start(self, name: str, role: str = "all") -> subprocess.Popen:
        self.started += 1
        log = open(self.folder / f"{name}.{self.started}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "tests.cluster.node", "run", "--config",
                                 str(self.folder / "rejoinder.yaml"), "--role", role],
                                cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = (proc, role)
        return proc

    def kill(self, name: str) -> None:
        proc, _role = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def restart(self, name: str) -> None:
        self.start(name, self.procs[name][1])

    async def stop(self, name: str, timeout: float = 60) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        proc, _role = self.procs[name]
        self.stopped.add(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR2)  # what its asyncio tasks await, into its log
            await asyncio.sleep(0.5)
            proc.send_signal(signal.SIGUSR1)  # its threads' stacks
            try:
                await asyncio.to_thread(proc.wait, 2)
            except subprocess.TimeoutExpired:
                pass
            raise AssertionError(f"{name} did not stop within {timeout} s of SIGTERM\n{self.stacks(name)}") from None

    def stacks(self, name: str) -> str:
        """What the stuck process's tasks awaited: the start of its dump, which the
        tail of its log (the threads' stacks, printed after) would leave out."""
        log = max(self.folder.glob(f"{name}.*.log"), key=lambda p: int(p.name.split(".")[1]))
        text = log.read_text(errors="replace")
        start = text.find("Stack for ")
        return f"--- {log.name}\n" + (text[start:start + 12_000] if start >= 0 else text[-6_000:])

    def crashed(self) -> list[str]:
        """Processes that ended on their own (none should); not those the test stopped."""
        return [n for n, (p, _r) in self.procs.items() if p.poll() is not None and p.pid not in self.stopped]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
                         for p in sorted(self.folder.glob("*.log")))

    def close(self) -> None:
        import redis

        for proc, _role in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        client = redis.Redis.from_url(self.env["REDIS_URL"])
        for key in client.scan_iter(f"{self.env['REJOINDER_STREAM_PREFIX']}:*"):
            client.delete(key)
        client.close()


async def quick_commits(db: Database) -> None:
    """The processes are killed here, never the database server: commits need
    not wait for the disk, which keeps the test's wall time down."""
    async with db.engine.connect() as conn:
        name = (await conn.exec_driver_sql("SELECT current_database()")).scalar_one()
        await conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        await conn.commit()


async def count(db: Database, stmt) -> int:
    async with db.sessions() as s:
        return (await s.execute(stmt)).scalar_one()


async def open_outbox(db: Database) -> int:
    return await count(db, select(func.count()).select_from(t.Outbox)
                       .where(t.Outbox.status.in_(("pending", "uncertain", "sending"))))


async def wait_for(condition, timeout: float, what: str, cluster: Cluster | None = None, db: Database | None = None) -> None:
    """Check `condition()` (async) until true; fail with `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if cluster is not None and cluster.crashed():
            raise AssertionError(f"processes ended on their own: {cluster.crashed()}\n{cluster.logs()}")
        if loop.time() > deadline:
            state = await describe(db) if db is not None else ""
            raise AssertionError(f"timed out waiting for {what}\n{state}" + (f"\n{cluster.logs()}" if cluster else ""))
        await asyncio.sleep(0.2)


async def describe(db: Database) -> str:
    """Where the cluster stands, for a failure message: what is stored, what the outboxes hold."""
    async with db.sessions() as s:
        mentions = (await s.execute(select(func.count()).select_from(t.Mention))).scalar_one()
        rows = (await s.execute(select(t.Outbox.kind, t.Outbox.status, t.Outbox.lease_holder, func.count(),
                                       func.max(t.Outbox.attempts), func.max(t.Outbox.next_attempt_at))
                                .where(t.Outbox.status != "sent")
                                .group_by(t.Outbox.kind, t.Outbox.status, t.Outbox.lease_holder))).all()
        inbox = (await s.execute(select(t.ChatInbox.status, func.count()).group_by(t.ChatInbox.status))).all()
        procs = (await s.execute(select(t.Process.id, t.Process.seen_at))).all()
        errors = (await s.execute(select(t.Outbox.last_error).where(t.Outbox.status != "sent",
                                                                     t.Outbox.last_error.is_not(None)).limit(3))).all()
    return (f"mentions stored: {mentions}\nopen outbox rows (kind, status, holder, count, max attempts, next): {rows}\n"
            f"last errors: {errors}\nchat inbox: {inbox}\nprocesses: {procs}")
