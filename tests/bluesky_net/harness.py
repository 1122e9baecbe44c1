"""Installs and runs the local Bluesky network (PLC + PDS) for the tests.

`ensure_installed()` runs `npm ci` when node_modules is missing or older than
the lockfile. `bluesky_network` is a session fixture that starts `start.mjs`,
waits for its READY line and stops it at the end. `bluesky_appview_network`
does the same with the AppView added (`start.mjs --appview`), which keeps its
index in PostgreSQL and needs Redis.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
LOCKFILE = HERE / "package-lock.json"
INSTALLED_MARKER = HERE / "node_modules" / ".package-lock.json"  # npm rewrites it on every install
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class BlueskyNetwork:
    pds_url: str  # http://127.0.0.1:PORT
    plc_url: str
    firehose_url: str  # ws://127.0.0.1:PORT/xrpc


@dataclass(frozen=True)
class BlueskyAppViewNetwork(BlueskyNetwork):
    appview_url: str  # http://127.0.0.1:PORT; the PDS proxies app.bsky.* calls here
    appview_did: str  # for an `atproto-proxy: <did>#bsky_appview` header


_install_problem: str | None = None
_install_checked = False


def _unavailable(reason: str) -> None:
    """Without Node the tests cannot run: a failure in CI, a loud skip elsewhere."""
    message = f"LOCAL BLUESKY NETWORK UNAVAILABLE: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _install() -> str | None:
    """Run `npm ci` when needed; returns why the network cannot run, or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "`node` and `npm` (Node 20) must be on PATH"
    if INSTALLED_MARKER.exists() and INSTALLED_MARKER.stat().st_mtime >= LOCKFILE.stat().st_mtime:
        return None
    print(f"\n[bluesky network] running `npm ci` in {HERE} (about 1.5 minutes; compiles better-sqlite3)...",
          flush=True)
    started = time.monotonic()
    result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE)  # output streams to the terminal
    if result.returncode != 0:
        return f"`npm ci` in {HERE} failed with exit code {result.returncode}"
    print(f"[bluesky network] npm ci done in {time.monotonic() - started:.1f} s", flush=True)
    return None


def prepare() -> None:
    """Install once per run (called at collection time, outside any test's timeout)."""
    global _install_problem, _install_checked
    if not _install_checked:
        _install_problem, _install_checked = _install(), True


def prepare_if_used(session, *fixtures: str) -> None:
    """A conftest's `pytest_collection_finish`: `npm ci` (when needed) runs before
    the tests that use these fixtures, so no test's timeout covers it."""
    if any(set(fixtures) & set(getattr(item, "fixturenames", ())) for item in session.items):
        capture = session.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            prepare()


def ensure_installed() -> None:
    prepare()
    if _install_problem:
        _unavailable(_install_problem)


def _read_ready_line(proc: subprocess.Popen, timeout: float) -> dict:
    """Read stdout until `READY {...}` arrives, without blocking past the deadline."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the Bluesky network printed no READY line within {timeout:.0f} s")
            if not selector.select(remaining):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"the Bluesky network exited early with code {proc.wait()}")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.startswith(b"READY "):
                    return json.loads(line[6:])


def _drain(stream, log_path: Path) -> None:
    # The PDS may log to stdout; an unread pipe would stall it once full.
    with open(log_path, "ab") as log:
        try:
            for chunk in iter(lambda: stream.read1(65536), b""):
                log.write(chunk)
        except (ValueError, OSError):
            pass  # the pipe was closed while stopping the network


def start_network(workdir: Path, appview: dict[str, str] | None = None) -> tuple[subprocess.Popen, BlueskyNetwork]:
    """`appview`: the DB_POSTGRES_URL, DB_POSTGRES_SCHEMA and REDIS_HOST for `--appview`; None: PDS only."""
    env = {**os.environ, "TMPDIR": str(workdir), "NODE_ENV": "development", **(appview or {})}
    stderr = open(workdir / "network.stderr.log", "wb")
    command = ["node", str(HERE / "start.mjs"), *(["--appview"] if appview else [])]
    proc = subprocess.Popen(command, cwd=HERE, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    stderr.close()
    try:
        ready = _read_ready_line(proc, START_TIMEOUT)
    except BaseException:
        stop_network(proc)
        raise
    threading.Thread(target=_drain, args=(proc.stdout, workdir / "network.stdout.log"), daemon=True).start()
    if appview:
        return proc, BlueskyAppViewNetwork(ready["pds"], ready["plc"], ready["firehose"],
                                           ready["appview"], ready["appview_did"])
    return proc, BlueskyNetwork(ready["pds"], ready["plc"], ready["firehose"])


def stop_network(proc: subprocess.Popen) -> int:
    """SIGTERM, then the exit code (0 when the network closed cleanly)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for pipe in (proc.stdin, proc.stdout):
        if pipe:
            pipe.close()
    return proc.returncode


def _run_network(appview: dict[str, str] | None = None) -> Iterator[BlueskyNetwork]:
    ensure_installed()
    workdir = Path(tempfile.mkdtemp(prefix="rejoinder-bsky-"))
    try:
        proc, network = start_network(workdir, appview)
    except (TimeoutError, RuntimeError) as exc:
        log = (workdir / "network.stderr.log").read_text(errors="replace")[-3000:]
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(f"{exc}\n--- network stderr ---\n{log}", pytrace=False)
    try:
        yield network
    finally:
        code = stop_network(proc)
        log = (workdir / "network.stderr.log").read_text(errors="replace")[-3000:]
        shutil.rmtree(workdir, ignore_errors=True)
    if code != 0:
        pytest.fail(f"the Bluesky network did not close cleanly on SIGTERM (exit {code})\n{log}", pytrace=False)


@pytest.fixture(scope="session")
def bluesky_network() -> Iterator[BlueskyNetwork]:
    yield from _run_network()


def appview_environment() -> dict[str, str]:
    """What `start.mjs --appview` needs, from the servers the other tests use.
    PostgreSQL or Redis unreachable: a failure in CI, a loud skip elsewhere."""
    import redis

    from tests.conftest import POSTGRES_ADMIN, REDIS_URL, unavailable

    try:
        asyncio.run(_postgres(POSTGRES_ADMIN, "SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the server is unusable
        unavailable("PostgreSQL (for the Bluesky AppView)", exc)
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis (for the Bluesky AppView)", exc)
    finally:
        client.close()
    host = client.connection_pool.connection_kwargs
    # The AppView accepts only letters and underscores in a schema name.
    schema = "rejoinder_" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12))
    return {"DB_POSTGRES_URL": POSTGRES_ADMIN, "DB_POSTGRES_SCHEMA": schema,
            "REDIS_HOST": f"{host.get('host', '127.0.0.1')}:{host.get('port', 6379)}"}


async def _postgres(url: str, sql: str) -> list:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def _leftover_schemas(env: dict[str, str]) -> list[str]:
    """Drop the run's schemas if they are still there; returns those that were."""
    names = [f"appview_{env['DB_POSTGRES_SCHEMA']}", f"ozone_{env['DB_POSTGRES_SCHEMA']}"]
    listed = ", ".join(f"'{n}'" for n in names)  # letters and underscores only: safe to inline
    found = [r["nspname"] for r in asyncio.run(_postgres(
        env["DB_POSTGRES_URL"], f"SELECT nspname FROM pg_namespace WHERE nspname IN ({listed})"))]
    for name in found:
        asyncio.run(_postgres(env["DB_POSTGRES_URL"], f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    return found


@pytest.fixture(scope="session")
def bluesky_appview_network() -> Iterator[BlueskyAppViewNetwork]:
    """PLC + PDS + AppView; the AppView's PostgreSQL schemas are dropped afterwards."""
    env = appview_environment()
    cleaned = False
    try:
        yield from _run_network(env)
        cleaned = True
    finally:
        left = _leftover_schemas(env)
    if cleaned and left:
        pytest.fail(f"start.mjs left the PostgreSQL schemas {left} behind (now dropped)", pytrace=False)
