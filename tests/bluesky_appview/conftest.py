"""Accounts on the local Bluesky network with its AppView (see tests/bluesky_net)."""
from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from atproto import AsyncClient, Client, models

from integrations.social.bluesky.notifications import BlueskyMentionsSource
from tests.bluesky_net import harness
from tests.bluesky_net.harness import BlueskyAppViewNetwork, bluesky_appview_network  # noqa: F401 - the fixture

WAIT = 10.0  # seconds; the AppView lists a notification ~0.1 s after the post
POLL = 0.1  # the sources' poll interval in these tests
_numbers = itertools.count(1)


def pytest_collection_finish(session: pytest.Session) -> None:
    harness.prepare_if_used(session, "bluesky_appview_network")


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str
    session: str  # exported session string, so tests do not log in again and again


def create_account(pds_url: str, name: str) -> Account:
    handle, password = f"{name}.test", f"secret-{name}-123"
    client = Client(base_url=pds_url)
    made = client.com.atproto.server.create_account(models.ComAtprotoServerCreateAccount.Data(
        handle=handle, email=f"{name}@example.com", password=password))
    client.login(handle, password, fetch_bsky_profile=False)
    session = client.export_session_string()
    client.request.close()
    return Account(handle, made.did, password, session)


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = WAIT) -> None:
    """Ask the AppView again and again until `condition()` holds (it indexes asynchronously)."""
    try:
        async with asyncio.timeout(timeout):
            while not await condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"the AppView did not show {what} within {timeout} s")


@pytest.fixture(scope="session")
def customers(bluesky_appview_network: BlueskyAppViewNetwork) -> dict[str, Account]:
    """maria has two followers (olek and tobi) on the AppView; olek has none."""
    made = {name: create_account(bluesky_appview_network.pds_url, name) for name in ("maria", "olek", "tobi")}

    async def follow() -> None:
        for follower in ("olek", "tobi"):
            client = AsyncClient(base_url=bluesky_appview_network.pds_url)
            await client.login(session_string=made[follower].session, fetch_bsky_profile=False)
            await client.app.bsky.graph.follow.create(made[follower].did, models.AppBskyGraphFollow.Record(
                subject=made["maria"].did, created_at=client.get_current_time_iso()))
            await client.request.close()
        reader = AsyncClient(base_url=bluesky_appview_network.pds_url)
        await reader.login(session_string=made["olek"].session, fetch_bsky_profile=False)

        async def counted() -> bool:
            try:
                found = await reader.app.bsky.actor.get_profiles(params={"actors": [made["maria"].did]})
            except Exception:  # noqa: BLE001 - not indexed yet
                return False
            return bool(found.profiles) and found.profiles[0].followers_count == 2
        await wait_until(counted, "maria's two followers")
        await reader.request.close()
    asyncio.run(follow())
    return made


@pytest.fixture
def new_brand(bluesky_appview_network) -> Callable[[], Account]:
    """A fresh brand account per call, so each test sees only its own notifications."""
    return lambda: create_account(bluesky_appview_network.pds_url, f"brand{next(_numbers)}")


@pytest.fixture
async def as_user(bluesky_appview_network, customers) -> AsyncIterator[Callable[[Account], Awaitable[AsyncClient]]]:
    """`await as_user(account)` -> an AsyncClient acting as that account."""
    made: list[AsyncClient] = []

    async def login(account: Account) -> AsyncClient:
        client = AsyncClient(base_url=bluesky_appview_network.pds_url)
        made.append(client)
        await client.login(session_string=account.session, fetch_bsky_profile=False)
        return client
    yield login
    for client in made:
        await client.request.close()


@pytest.fixture
async def new_source(bluesky_appview_network) -> AsyncIterator[Callable[..., BlueskyMentionsSource]]:
    """A factory for mentions sources of a brand (fast polling); all are closed afterwards."""
    made: list[BlueskyMentionsSource] = []

    def make(brand: Account, service_url: str | None = None, **options) -> BlueskyMentionsSource:
        options.setdefault("password", brand.password)
        made.append(BlueskyMentionsSource("bsky-mentions", service_url or bluesky_appview_network.pds_url,
                                          brand.handle, poll_interval=POLL, **options))
        return made[-1]
    yield make
    for source in made:
        await source.close()
