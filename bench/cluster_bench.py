"""The path users run: `rejoinder run` processes fed by a replay source
through the bus.

- SQLite, in-process bus: one process, source → pipeline.
- PostgreSQL + Redis: one process end to end; then the feed published by a
  `--role sources` process and drained by 1 and by 2 `--role pipeline`
  processes (the same feed, the same run), for the scaling ratio.
- Fail-over: how long a killed holder's source lease takes to move, and how
  long stream entries read by a dead consumer take to be claimed and stored.
- RSS of a process after N mentions (1M; --quick 100k).
- CPU seconds per 1,000 mentions of the processes doing the work, beside
  every rate: on a busy machine the wall clock also counts other programs.

Prints a table (figure | measured | target) and, last, one JSON line.

Needs the PostgreSQL and Redis servers of REJOINDER_TEST_POSTGRES /
REJOINDER_TEST_REDIS (the test defaults)."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not through bench/run.py
    sys.path.insert(0, str(ROOT))

from bench.cluster_runs import (  # noqa: E402
    REDIS_URL, Rate, Run, admin, consumers, cpu_seconds, drop, fresh_postgres, open_db, scalar, until,
)


async def end_to_end(folder: Path, database: str, lines: int, role: str = "sources,pipeline") -> Rate:
    """One process (by default reading the source and storing what it reads),
    from its first stored cursor to the last line."""
    run = Run(folder, database, lines)
    db = await open_db(database)
    try:
        proc = run.start(role)
        cursor = "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM cursors WHERE source = 'feed'"

        async def started() -> bool:
            return (await scalar(db, cursor) or 0) > 0

        async def done() -> bool:
            return (await scalar(db, cursor) or 0) >= lines

        await until(started, 120, 0.02)
        first, cpu = await scalar(db, cursor), cpu_seconds(proc)
        seconds = await until(done, 3600, procs=[proc])
        return Rate(lines - first, seconds, [cpu_seconds(proc) - cpu])
    finally:
        run.close()
        await db.close()


async def drained_by(folder: Path, database: str, lines: int, processes: int) -> Rate:
    """`processes` pipeline processes draining a stream that holds the whole feed."""
    from integrations.bus.redis_streams import RedisStreamsBus

    run = Run(folder, database, lines)
    bus = RedisStreamsBus(REDIS_URL, prefix=run.prefix)
    db = await open_db(database)
    stream = f"{run.prefix}:mentions"
    try:
        source = run.start("sources")

        async def published() -> bool:
            info = await bus.info("mentions")
            return info["length"] * 100 >= lines and info["length"] >= -(-lines // 100)

        await until(published, 600)
        run.stop(source)
        # The group starts past the feed, so every process is up and reading
        # (start-up is neither timed nor counted) when it is moved back.
        await bus.client.xgroup_create(stream, "pipeline", id="$")
        workers = [run.start("pipeline") for _ in range(processes)]
        # Each process reads the group under one consumer name per lane.
        lanes = int(os.environ.get("REJOINDER_PIPELINE_LANES", 2))
        await until(lambda: consumers(bus, processes * lanes), 300, 0.05, procs=workers)
        # Warm-up on copies of the first WARM_UP entries (other post ids), removed
        # afterwards: what loads on first use (language and triage models,
        # prepared statements) is loaded in every process before the clock starts.
        warm = [await bus.client.xadd(stream, {"json": _renamed(fields[b"json"])})
                for _, fields in await bus.client.xrange(stream, count=WARM_UP)]
        await until(lambda: _drained(bus), 600, 0.05, procs=workers)
        await bus.client.xdel(stream, *warm)
        cpu = [cpu_seconds(p) for p in workers]
        started = time.perf_counter()
        await bus.client.xgroup_setid(stream, "pipeline", "0")
        await _wake(bus, stream)
        await until(lambda: _drained(bus), 3600, 0.02, procs=workers)
        seconds = time.perf_counter() - started
        async with db.engine.connect() as conn:
            stored = set((await conn.execute(text("SELECT external_id FROM mentions"))).scalars())
        rate = Rate(lines, seconds, [cpu_seconds(p) - c for p, c in zip(workers, cpu)])
        rate.missing, rate.expected = sorted(run.feed.expected - stored, key=int), len(run.feed.expected)
        return rate
    finally:
        run.close()
        await bus.close()
        await db.close()


WARM_UP = 40  # stream entries (100 lines each) handled before the timed drain, the same for 1 and for 2 processes


def _renamed(body: bytes) -> str:
    """A stream entry's payloads as new posts: every id gets a prefix, and no cursor moves."""
    payloads = json.loads(body)
    for p in payloads if isinstance(payloads, list) else [payloads]:
        p["cursor"] = None
        if p.get("mention"):
            m = json.loads(p["mention"])
            for key in ("external_id", "conversation_id", "in_reply_to"):
                if m.get(key):
                    m[key] = "warm-" + m[key]
            p["mention"] = json.dumps(m)
    return json.dumps(payloads)


async def _wake(bus, stream: str) -> None:
    """An entry with nothing to store: readers blocked on the stream wake now, not at their next poll."""
    await bus.client.xadd(stream, {"json": json.dumps({"source": "bench", "cursor": None, "mention": None})})


async def _drained(bus) -> bool:
    [group] = (await bus.info("mentions"))["groups"]
    return group["lag"] == 0 and group["pending"] == 0


async def source_failover(folder: Path, database: str) -> float:
    """Seconds from killing the lease holder to another process holding the source."""
    run = Run(folder, database, 2000)
    db = await open_db(database)
    try:
        a, b = run.start("sources"), run.start("sources")
        holder = "SELECT holder FROM leases WHERE name = 'source:feed'"

        async def held() -> bool:
            return await scalar(db, holder) is not None

        await until(held, 120)
        await asyncio.sleep(2)  # both are up and the lease has been renewed
        first = await scalar(db, holder)
        victim = a if first.split("-")[-2] == str(a.pid) else b
        victim.send_signal(signal.SIGKILL)
        victim.wait()

        async def moved() -> bool:
            return await scalar(db, holder) != first

        return await until(moved, 120)
    finally:
        run.close()
        await db.close()


async def stream_failover(folder: Path, database: str) -> float:
    """Seconds from a consumer dying with entries read but not acked to those entries being stored by another."""
    from integrations.bus.redis_streams import RedisStreamsBus

    run = Run(folder, database, 10)
    db = await open_db(database)
    live = run.start("pipeline")
    dead = RedisStreamsBus(REDIS_URL, prefix=run.prefix, consumer="dead", pack=100)
    try:
        await until(lambda: consumers(dead, 1), 120)
        payloads = [{"source": "bench", "cursor": str(n), "network": "x", "deleted_id": None, "edited": False,
                     "token": 0, "mention": None} for n in range(1, 201)]
        # Added and read by `dead` in one transaction: the live process's readers, blocked on
        # the stream, are served only after it, so they cannot take the entries first.
        stream = f"{run.prefix}:mentions"
        step = dead.client.pipeline(transaction=True)
        for start in range(0, len(payloads), 100):
            step.xadd(stream, {"json": json.dumps(payloads[start:start + 100])})
        step.xreadgroup("pipeline", "dead", {stream: ">"}, count=100)
        got = (await step.execute())[-1]
        died = time.perf_counter()
        if not got:
            return 0.0

        async def stored() -> bool:
            return (await scalar(db, "SELECT value FROM cursors WHERE source = 'bench'")) is not None and \
                (await dead.info("mentions"))["groups"][0]["pending"] == 0

        await until(stored, 120)
        return time.perf_counter() - died
    finally:
        await dead.close()
        run.stop(live)
        await db.close()


async def rss_after(folder: Path, database: str, lines: int) -> float:
    """MB resident of one `--role all` process once it has taken `lines` lines."""
    run = Run(folder, database, lines)
    db = await open_db(database)
    try:
        proc = run.start("all")
        cursor = "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM cursors WHERE source = 'feed'"

        async def done() -> bool:
            return (await scalar(db, cursor) or 0) >= lines

        await until(done, 7200, 1.0)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        return kb / 1024
    finally:
        run.close()
        await db.close()


async def measure(lines: int, rss_lines: int, note) -> dict:
    out: dict = {"cluster_lines": lines}
    rows: list[tuple[str, str, str]] = []  # (figure, measured, target)

    def rate(key: str, what: str, r: Rate, target: str = "") -> None:
        out[f"{key}_per_s"], out[f"{key}_cpu_s_per_1000"] = round(r.per_s), round(r.cpu_per_1000, 3)
        measured = f"{r.per_s:,.0f}/s; {r.cpu_per_1000:.3f} CPU s per 1,000 (≈ {1000 / r.cpu_per_1000:,.0f}/s per core)"
        rows.append((what, measured, target))
        note(f"{what}: {rows[-1][1]}; CPU s by process {r.cpu_each}; load {os.getloadavg()[0]:.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def fresh(name: str) -> Path:
            path = folder / name
            path.mkdir()
            return path

        rate("cluster_sqlite_1proc", "SQLite, in-process bus, one process, every role",
             await end_to_end(fresh("sqlite"), f"sqlite+aiosqlite:///{folder}/s.db", lines, "all"))
        made = []
        try:
            async def pg() -> str:
                made.append(await fresh_postgres())
                return made[-1]

            rate("cluster_pg_1proc_e2e", "PostgreSQL + Redis, one process, --role sources,pipeline",
                 await end_to_end(fresh("e2e"), await pg(), lines), "≥ 20,000/s")
            rate("cluster_pg_1proc_all_roles", "PostgreSQL + Redis, one process, every role (cards included)",
                 await end_to_end(fresh("all"), await pg(), lines, "all"))
            one = await drained_by(fresh("one"), await pg(), lines, 1)
            two = await drained_by(fresh("two"), await pg(), lines, 2)
            rate("cluster_pg_pipeline_1proc", "pipeline draining a full stream, 1 process", one)
            rate("cluster_pg_pipeline_2proc", "pipeline draining a full stream, 2 processes", two)
            out["cluster_2proc_vs_1"] = round(two.per_s / one.per_s, 2)
            # Replies stored by neither process: one handled while its root was still uncommitted in the other.
            out["cluster_pg_pipeline_1proc_missing"], out["cluster_pg_pipeline_2proc_missing"] = \
                len(one.missing), len(two.missing)
            rows.append(("feed posts not stored, 1 / 2 pipeline processes",
                         f"{len(one.missing)} / {len(two.missing)} of {one.expected:,}", "0"))
            # The same work on two processes: CPU per mention stays flat when nothing serialises them.
            out["cluster_2proc_cpu_vs_1"] = round(two.cpu_per_1000 / one.cpu_per_1000, 2)
            ratio = f"{out['cluster_2proc_vs_1']}x wall clock; CPU per mention {out['cluster_2proc_cpu_vs_1']}x"
            rows.append(("2 pipeline processes vs 1", ratio, "≥ 1.7x"))
            out["failover_source_s"] = round(await source_failover(fresh("lease"), await pg()), 1)
            out["failover_stream_s"] = round(await stream_failover(fresh("stream"), await pg()), 1)
            rows.append(("a dead holder's source taken over (lease 10 s)", f"{out['failover_source_s']} s", "≤ 15 s"))
            rows.append(("stream entries of a dead consumer stored", f"{out['failover_stream_s']} s", "bounded"))
            if rss_lines:
                key = f"rss_mb_after_{rss_lines // 1000}k"
                out[key] = round(await rss_after(fresh("rss"), await pg(), rss_lines))
                rows.append((f"RSS of a process after {rss_lines:,} lines (every role)", f"{out[key]} MB", "≤ 300 MB"))
        finally:
            for url in made:
                await drop(url)
    out["load_average"] = round(os.getloadavg()[0], 1)
    width = max(len(r[0]) for r in rows)
    note(f"{'figure'.ljust(width)} | measured | target")
    for what, measured, target in rows:
        note(f"{what.ljust(width)} | {measured} | {target}")
    return out


def run(quick: bool, note, lines: int | None = None, rss_lines: int | None = None) -> dict:
    try:
        asyncio.run(admin("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        note(f"skipped: PostgreSQL not reachable ({exc})")
        return {}
    lines = lines or (20_000 if quick else 100_000)
    rss_lines = (100_000 if quick else 1_000_000) if rss_lines is None else rss_lines
    return asyncio.run(measure(lines, rss_lines, note))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="`rejoinder run` processes fed by a replay source")
    parser.add_argument("--quick", action="store_true", help="20,000 lines; RSS after 100,000")
    parser.add_argument("--lines", type=int, help="lines of the feed for the throughput figures")
    parser.add_argument("--rss-lines", type=int, help="lines before RSS is read (0: leave it out)")
    args = parser.parse_args()
    print(json.dumps(run(args.quick, print, args.lines, args.rss_lines)))
