"""A local X API (tests/emulators/x_api.py) with the brand and two people;
people post through tweepy with their own OAuth tokens."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import tweepy

from tests.source_reader import Reader, mention_ids, read  # noqa: F401 - shared helpers and the fixture
from integrations.social.x.network import XPublisher, XSource
from integrations.social.x.http import make_client
from tests.emulators.x_api import XEmulator



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
