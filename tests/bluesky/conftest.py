"""Accounts and helpers on the local Bluesky network (see tests/bluesky_net)."""
from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from atproto import AsyncClient, Client, models

from tests.bluesky_net import harness
from tests.source_reader import WAIT, collect_until, mention_ids  # noqa: F401 - shared with the network tests
from tests.bluesky_net.harness import BlueskyNetwork, bluesky_network  # noqa: F401 - the fixture


def pytest_collection_finish(session: pytest.Session) -> None:
    harness.prepare_if_used(session, "bluesky_network")


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str
    session: str  # exported session string, so tests do not log in again and again


def _create(pds_url: str, handle: str, password: str) -> Account:
    client = Client(base_url=pds_url)
    made = client.com.atproto.server.create_account(models.ComAtprotoServerCreateAccount.Data(
        handle=handle, email=f"{handle.split('.')[0]}@example.com", password=password))
    client.login(handle, password, fetch_bsky_profile=False)
    session = client.export_session_string()
    client.request.close()
    return Account(handle, made.did, password, session)


@pytest.fixture(scope="session")
def accounts(bluesky_network: BlueskyNetwork) -> dict[str, Account]:
    return {name: _create(bluesky_network.pds_url, f"{name}.test", f"secret-{name}-123")
            for name in ("tandem", "maria", "olek")}


@pytest.fixture
async def as_user(bluesky_network: BlueskyNetwork, accounts) -> AsyncIterator[Callable[[str], AsyncClient]]:
    """`await as_user("maria")` -> an AsyncClient acting as that account."""
    made: list[AsyncClient] = []

    async def login(name: str) -> AsyncClient:
        client = AsyncClient(base_url=bluesky_network.pds_url)
        made.append(client)
        await client.login(session_string=accounts[name].session, fetch_bsky_profile=False)
        return client
    yield login
    for client in made:
        await client.request.close()


async def post(client: AsyncClient, did: str, text: str, reply_to=None):
    """Post as a person would from the app: mentions and links become facets."""
    facets = await client.detect_facets(text)
    return await client.send_post(text, profile_identify=did, reply_to=reply_to, facets=facets or None)


def bluesky_source(net, **options: str) -> str:
    """rejoinder.yaml's `sources:` with one Bluesky source on the local network;
    `options` are further keys, given as YAML text."""
    keys = {"type": "bluesky", "name": "bsky", "service_url": net.pds_url, "firehose_url": net.firehose_url,
            "plc_url": net.plc_url, **options}
    return "sources:\n  - " + "\n    ".join(f"{key}: {value}" for key, value in keys.items()) + "\n"


def reply_ref(root, parent) -> models.AppBskyFeedPost.ReplyRef:
    return models.AppBskyFeedPost.ReplyRef(
        root=models.ComAtprotoRepoStrongRef.Main(uri=root.uri, cid=root.cid),
        parent=models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid))


def expire_access_token(session_string: str) -> str:
    """The same session as it looks hours later: the short-lived access token has expired."""
    handle, did, access, refresh, pds = session_string.split(":::")
    header, payload, _signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = claims["iat"] + 1
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ":::".join([handle, did, f"{header}.{forged}.c2lnbmF0dXJl", refresh, pds])


async def log_out(pds_url: str, session_string: str) -> None:
    """Log a session out on the server (deleteSession): its refresh token is revoked."""
    client = AsyncClient(base_url=pds_url)
    await client.login(session_string=session_string, fetch_bsky_profile=False)
    await client.com.atproto.server.delete_session(headers=client._get_refresh_auth_headers())
    await client.request.close()
