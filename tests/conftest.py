"""Shared fixtures: real local servers (PostgreSQL, Redis). Under CI a
missing server fails the test; on a laptop it skips with a loud reason."""
from __future__ import annotations

import asyncio
import logging
import os
import uuid

import pytest

POSTGRES_ADMIN = os.environ.get("REJOINDER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REJOINDER_TEST_REDIS", "redis://127.0.0.1:6379/15")

for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(var, None)  # clients would send loopback traffic to a proxy


@pytest.fixture(autouse=True)
def _root_logging_restored():
    """`rejoinder run` invoked in-process sets up the root logger; the next test starts as this one did."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({exc}); start it or set the URL in the environment"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}")
    pytest.skip(f"SKIPPED LOUDLY: {message}")


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"rejoinder_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means the server is unusable
        unavailable("PostgreSQL", exc)
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'rejoinder.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'rejoinder.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
        client.flushdb()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    finally:
        client.close()
    return REDIS_URL

