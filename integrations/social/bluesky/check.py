"""`check()` for Bluesky: the PDS answers, the watched handles resolve, the
firehose accepts a websocket, and the brand account logs in. Nothing is posted."""
from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from atproto_client.exceptions import BadRequestError, NetworkError, RequestErrorBase, UnauthorizedError
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from bot.ports import SourceCheckFailed
from integrations.social.bluesky.session import error_words
from integrations.social.common.reach_check import TIMEOUT, unreachable

if TYPE_CHECKING:  # bluesky.py imports this module
    from integrations.social.bluesky.network import BlueskyPublisher, BlueskySource


async def _get_json(http: httpx.AsyncClient, base: str, method: str, **params: str) -> tuple[int, dict]:
    try:
        response = await http.get(f"{base}/xrpc/{method}", params=params)
    except httpx.HTTPError as exc:
        raise unreachable(base, exc) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SourceCheckFailed(f"{base} answered {method} with HTTP {response.status_code} and no JSON: "
                                "is service_url a Bluesky PDS?")
    return response.status_code, body


async def _open_firehose(url: str) -> None:
    """Open a websocket on subscribeRepos (no cursor: no backfill) and close it again."""
    endpoint = f"{url}/com.atproto.sync.subscribeRepos"
    try:
        async with connect(endpoint, open_timeout=TIMEOUT, close_timeout=TIMEOUT):
            pass
    except InvalidURI:
        raise SourceCheckFailed(f"firehose URL {url!r} is not a ws:// or wss:// URL: fix firehose_url "
                                "in rejoinder.yaml") from None
    except InvalidStatus as exc:
        raise SourceCheckFailed(f"the firehose at {endpoint} refused the websocket with HTTP "
                                f"{exc.response.status_code}: check firehose_url in rejoinder.yaml") from None
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise unreachable(endpoint, exc) from None


async def check_source(source: BlueskySource) -> str:
    base = source.service_url
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        status, server = await _get_json(http, base, "com.atproto.server.describeServer")
        if status != 200:
            raise SourceCheckFailed(f"{base} answered describeServer with HTTP {status}: is service_url a "
                                    "Bluesky PDS?")
        for handle in source.watch_handles:
            status, body = await _get_json(http, base, "com.atproto.identity.resolveHandle",
                                           handle=handle.lstrip("@"))
            if status != 200 or not isinstance(body.get("did"), str):
                why = body.get("message") or body.get("error") or f"HTTP {status}"
                raise SourceCheckFailed(f"watched handle @{handle.lstrip('@')} does not resolve at {base} ({why}): "
                                        "fix watch_handles in rejoinder.yaml")
    await _open_firehose(source.firehose_url)
    handles = f"; {len(source.watch_handles)} watched handle(s) resolve" if source.watch_handles else ""
    return f"PDS {base} answers (server {server.get('did', '?')}){handles}; firehose {source.firehose_url} " \
           "accepts a websocket"


async def check_publisher(publisher: BlueskyPublisher) -> str:
    session = publisher.session
    base = session.service_url
    try:
        await session.login()
    except NetworkError as exc:
        raise unreachable(base, exc) from None
    except (UnauthorizedError, BadRequestError) as exc:
        raise SourceCheckFailed(f"{base} refused the login of @{session.handle} ({error_words(exc)}): check the "
                                "handle and use an app password (Settings > App passwords)",
                                ("handle", "password")) from None
    except RequestErrorBase as exc:
        raise SourceCheckFailed(f"logging in at {base} failed: {error_words(exc)}") from None
    how = "logged in" if session.password_logins else "resumed the saved session"
    return f"{how} as @{session.handle} ({session.did}) on {base}"
