"""A running WebhookSource with a consumer, and a signed-request helper."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

import aiohttp
import pytest

from bot.ports import SourceItem
from integrations.social.webhook.source import WebhookSource
from integrations.social.webhook.payload import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SECRET = "whsec-test-5b1c7e0d"
WAIT = 5.0


def mention(external_id: str = "post-1", **changes) -> dict:
    data = {"external_id": external_id, "author": {"handle": "@maria", "name": "Maria", "followers": 12},
            "text": "acme, my order A1234 never came", "created_at": "2024-06-01T09:30:00Z"}
    data.update(changes)
    return data


@dataclass
class Hook:
    source: WebhookSource
    http: aiohttp.ClientSession
    items: list[SourceItem] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return self.source.url

    async def post(self, body: bytes | dict, *, secret: str | None = SECRET, timestamp: str | None = None,
                   headers: dict | None = None) -> tuple[int, dict]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        stamp = timestamp if timestamp is not None else str(int(time.time()))
        sent = {"Content-Type": "application/json"}
        if secret is not None:
            sent.update({TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, raw)})
        sent.update(headers or {})
        async with self.http.post(self.url, data=raw, headers=sent) as response:
            return response.status, await response.json(content_type=None)

    async def wait_items(self, count: int) -> list[SourceItem]:
        async with asyncio.timeout(WAIT):
            async with self.changed:
                await self.changed.wait_for(lambda: len(self.items) >= count)
        return self.items


async def consume(source: WebhookSource, hook: Hook) -> None:
    async with aclosing(source.items(None)) as items:
        async for item in items:
            hook.items.append(item)
            async with hook.changed:
                hook.changed.notify_all()


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    source = WebhookSource("listening", SECRET, hand_over_timeout=3.0)
    async with aiohttp.ClientSession() as http:
        made = Hook(source, http)
        task = asyncio.create_task(consume(source, made))
        async with asyncio.timeout(WAIT):
            await source.started.wait()
        yield made
        task.cancel()
        await asyncio.wait({task})
    await source.stop()
