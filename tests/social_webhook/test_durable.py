"""With `rejoinder run`, the webhook answers 202 only once the mentions are in
the database: a restart right after the 202 loses none of them."""
from __future__ import annotations

import asyncio
import json
import socket
import time

import aiohttp
from sqlalchemy import func, select

from bot.app.root import App
from bot.app.settings import Settings
from bot.config.loader import load_workspace
from bot.store import tables as t
from integrations.social.webhook.payload import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.social_webhook.conftest import SECRET, mention

WORKSPACE = """
version: 1
organisation: {{name: Acme, handles: {{x: acme}}}}
teams: [{{name: support, platform: console, channel: support}}]
routes: [{{name: all, team: support, match: {{keyword: [order]}}}}]
sources:
  - {{type: webhook, name: hook, secret_env: HOOK_SECRET, port: {port}}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stored:
    """Watches the real pipeline store mentions (it still does the work)."""

    def __init__(self, app: App) -> None:
        self.count, self.changed = 0, asyncio.Condition()
        ingest = app.core.pipeline.ingest

        async def watched(mentions, *args, **kwargs):
            result = await ingest(mentions, *args, **kwargs)
            async with self.changed:
                self.count += len(mentions)
                self.changed.notify_all()
            return result
        app.core.pipeline.ingest = watched

    async def wait(self, count: int, timeout: float = 10) -> None:
        async with self.changed:
            async with asyncio.timeout(timeout):
                await self.changed.wait_for(lambda: self.count >= count)


async def start(database_url: str, tmp_path, port: int) -> tuple[App, asyncio.Task]:
    (tmp_path / "rejoinder.yaml").write_text(WORKSPACE.format(port=port), encoding="utf-8")
    settings = Settings(database_url=database_url, redis_url=None, openai_api_key=None)
    app = await App.create(settings, load_workspace(tmp_path / "rejoinder.yaml"), tmp_path)
    task = asyncio.create_task(app.run(), name="rejoinder")
    [hook] = app.sources
    async with asyncio.timeout(10):
        await hook.started.wait()
    return app, task


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.wait({task}, timeout=30)
    assert task.done()


async def post(url: str, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(SECRET, stamp, raw)}
    async with aiohttp.ClientSession() as http, http.post(url, data=raw, headers=headers) as response:
        return response.status, await response.json()


async def test_a_restart_right_after_a_202_loses_nothing(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    port = free_port()
    app, task = await start(database_url, tmp_path, port)
    # The process dies after answering and before the pipeline stores anything.
    pipeline = next(t_ for t_ in asyncio.all_tasks() if t_.get_name() == "pipeline")
    pipeline.cancel()
    await asyncio.wait({pipeline})
    batch = {"mentions": [mention(f"d{n}", text=f"@acme order {n} never came") for n in range(20)]}
    status, answer = await post(app.sources[0].url, batch)
    assert (status, answer) == (202, {"accepted": 20})
    await stop(task)

    app, task = await start(database_url, tmp_path, port)
    try:
        stored = Stored(app)
        await stored.wait(20)
        async with app.db.sessions() as s:
            ids = set((await s.execute(select(t.Mention.external_id))).scalars())
        assert ids == {f"d{n}" for n in range(20)}
        # A later delivery is stored too; what the pipeline has stored is then cleared from the queue.
        assert (await post(app.sources[0].url, {"mentions": [mention("d20", text="@acme order late")]}))[0] == 202
        await stored.wait(21)
        await app.sources[0].store.prune()
        async with app.db.sessions() as s:
            assert await s.scalar(select(func.count(t.Arrival.id))) == 0
            assert await s.scalar(select(func.count(t.Mention.id))) == 21
    finally:
        await stop(task)
