"""A local Mastodon (tests/emulators/mastodon.py) with the brand and two
people; people act through Mastodon.py with their own tokens."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from mastodon import Mastodon

from bot.ports import SourceItem
from tests.source_reader import Reader, collect_until, mention_ids, read  # noqa: F401 - shared helpers and the fixture
from integrations.social.mastodon.network import MastodonSource
from tests.emulators.mastodon import MastodonEmulator



@dataclass
class Person:
    account: dict
    token: str
    client: Mastodon

    async def toot(self, text: str, **kwargs) -> dict:
        """Post as this person through Mastodon.py (in a thread: it blocks)."""
        status = await asyncio.to_thread(self.client.status_post, text, **kwargs)
        return {**status, "id": str(status["id"])}

    async def delete(self, status: dict) -> None:
        await asyncio.to_thread(self.client.status_delete, status["id"])

    async def edit(self, status: dict, text: str) -> None:
        await asyncio.to_thread(self.client.status_update, status["id"], text)


@pytest.fixture
async def mastodon() -> AsyncIterator[MastodonEmulator]:
    emulator = await MastodonEmulator(heartbeat=0.5).start()
    yield emulator
    await emulator.close()


@pytest.fixture
def people(mastodon: MastodonEmulator) -> dict[str, Person]:
    made = {}
    for name, domain, followers in (("tandem", None, 1200), ("maria", None, 87), ("olek", "other.test", 5)):
        account, token = mastodon.add_account(name, domain=domain, followers_count=followers,
                                              display_name=f"{name.title()} Example")
        client = Mastodon(api_base_url=mastodon.url, access_token=token, ratelimit_method="throw")
        made[name] = Person(account, token, client)
    return made


@pytest.fixture
def make_source(mastodon: MastodonEmulator, people) -> Callable[..., MastodonSource]:
    def make(hashtags=(), terms=(), **kwargs) -> MastodonSource:
        options = {"poll_interval": 0.2, "stream_read_timeout": 5.0, "reconnect_delay": 0.1, **kwargs}
        return MastodonSource("masto-test", mastodon.url, people["tandem"].token, list(hashtags), list(terms),
                              "tandem", **options)
    return make


def texts(items: list[SourceItem]) -> list[str]:
    return [i.mention.text for i in items if i.mention]
