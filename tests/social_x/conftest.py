"""A local X API (tests/emulators/x_api.py) with the brand and two people;
people post through tweepy with their own OAuth tokens."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

import pytest
import tweepy

from bot.ports import SourceItem
from integrations.social.x import XPublisher, XSource
from integrations.social.x_http import make_client
from tests.emulators.x_api import XEmulator

WAIT = 8.0


@dataclass
class Person:
    user: dict
    client: tweepy.Client
    token: str
    secret: str

    async def tweet(self, text: str, reply_to: str | None = None) -> dict:
        """Post as this person through tweepy (in a thread: it blocks)."""
        body = await asyncio.to_thread(self.client.create_tweet, text=text, in_reply_to_tweet_id=reply_to)
        return body["data"]

    async def delete(self, tweet: dict) -> None:
        await asyncio.to_thread(self.client.delete_tweet, tweet["id"])


@pytest.fixture
async def x_api() -> AsyncIterator[XEmulator]:
    emulator = await XEmulator(heartbeat=0.5).start()
    yield emulator
    await emulator.close()


@pytest.fixture
def people(x_api: XEmulator) -> dict[str, Person]:
    made = {}
    for name, followers, verified in (("tandem", 5400, True), ("maria", 87, False), ("olek", 3, False)):
        user, token, secret = x_api.add_user(name, f"{name.title()} Example", followers, verified)
        client = make_client(consumer_key=x_api.consumer_key, consumer_secret=x_api.consumer_secret,
                             access_token=token, access_token_secret=secret, api_base_url=x_api.url)
        made[name] = Person(user, client, token, secret)
    return made


@pytest.fixture
def make_source(x_api: XEmulator, people) -> Callable[..., XSource]:
    def make(rules=(), **kwargs) -> XSource:
        options = {"poll_interval": 0.2, "reconnect_delay": 0.1, "api_base_url": x_api.url, **kwargs}
        return XSource("x-test", x_api.bearer_token, people["tandem"].user["id"], list(rules), **options)
    return make


@pytest.fixture
def make_publisher(x_api: XEmulator, people) -> Callable[[], XPublisher]:
    def make() -> XPublisher:
        brand = people["tandem"]
        return XPublisher(x_api.consumer_key, x_api.consumer_secret, brand.token, brand.secret,
                          api_base_url=x_api.url)
    return make


def mention_ids(items: list[SourceItem]) -> list[str]:
    return [i.mention.external_id for i in items if i.mention]


class Reader:
    """Runs `source.items(cursor)` in a task and keeps what it yields, saving
    the cursor of each item as the core would."""

    def __init__(self, source, cursor: str | None = None) -> None:
        self.items: list[SourceItem] = []
        self.cursor = cursor
        self._changed = asyncio.Condition()
        self.task = asyncio.create_task(self._run(source, cursor))

    async def _run(self, source, cursor) -> None:
        try:
            async with aclosing(source.items(cursor)) as items:
                async for item in items:
                    self.items.append(item)
                    self.cursor = item.cursor if item.cursor is not None else self.cursor
                    await self._poke()
        finally:
            await self._poke()

    async def _poke(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait(self, done: Callable[[list[SourceItem]], bool], timeout: float = WAIT) -> list[SourceItem]:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: done(self.items) or self.task.done()), timeout)
            except TimeoutError:
                got = [i.mention.text if i.mention else (i.deleted_id or f"cursor {i.cursor}") for i in self.items]
                pytest.fail(f"condition not met within {timeout} s; items seen: {got}")
        if not done(self.items):
            self.task.result()  # raises what ended the source
            pytest.fail("the source ended before the condition was met")
        return self.items

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.wait({self.task})


@pytest.fixture
async def read() -> AsyncIterator[Callable[..., Reader]]:
    readers: list[Reader] = []

    def start(source, cursor: str | None = None) -> Reader:
        readers.append(Reader(source, cursor))
        return readers[-1]
    yield start
    for reader in readers:
        await reader.stop()
