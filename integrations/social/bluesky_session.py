"""The brand account's session on its PDS, for readers that poll.

Bluesky limits password logins (createSession, about 100 a day), so the
session is made once, refreshed by the SDK, handed out as a string to keep
between runs, and replaced with a password login only when the PDS rejects it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from atproto import AsyncClient
from atproto_client.exceptions import BadRequestError, UnauthorizedError

log = logging.getLogger(__name__)
T = TypeVar("T")
SESSION_REJECTED = {"ExpiredToken", "InvalidToken", "AuthRequired", "AuthMissing"}


def error_name(exc: BaseException) -> str | None:
    """The XRPC error name of an SDK exception ("ExpiredToken", "UpstreamFailure", ...)."""
    return getattr(getattr(getattr(exc, "response", None), "content", None), "error", None)


def error_words(exc: BaseException) -> str:
    content = getattr(getattr(exc, "response", None), "content", None)
    return getattr(content, "message", None) or getattr(content, "error", None) or str(exc) or type(exc).__name__


class BrandSession:
    def __init__(self, service_url: str, handle: str, password: str, session_string: str | None = None) -> None:
        self.service_url = service_url.rstrip("/")
        self.client = AsyncClient(base_url=self.service_url)
        self.client.on_session_change(self._remember)
        self.handle, self._password = handle.lstrip("@"), password
        self._session_string = session_string
        self._lock = asyncio.Lock()
        self.did: str | None = None
        self.password_logins = 0  # password logins so far; sessions should be reused

    @property
    def session_string(self) -> str | None:
        """Store this between runs and pass it back: Bluesky limits password logins."""
        return self._session_string

    async def _remember(self, _event, session) -> None:
        self._session_string = session.encode()

    async def close(self) -> None:
        await self.client.request.close()

    async def login(self, with_password: bool = False) -> None:
        """Resume the saved session (or log in); with_password: log in afresh."""
        async with self._lock:
            if self.did and not with_password:
                return
            if self._session_string and not with_password:
                try:
                    await self.client.login(session_string=self._session_string, fetch_bsky_profile=False)
                    me = await self.client.com.atproto.server.get_session()
                except (UnauthorizedError, BadRequestError) as exc:
                    log.info("bluesky: saved session for %s rejected (%s); logging in", self.handle, error_words(exc))
                    me = await self._password_login()
            else:
                me = await self._password_login()
            self.did, self.handle = me.did, me.handle

    async def _password_login(self):
        self.password_logins += 1
        await self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        return await self.client.com.atproto.server.get_session()

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One API call; a rejected session is replaced once. Other errors (429s too) go to the caller."""
        await self.login()
        try:
            return await make()
        except (UnauthorizedError, BadRequestError) as exc:
            if not (isinstance(exc, UnauthorizedError) or error_name(exc) in SESSION_REJECTED):
                raise
            if await self._session_accepted():
                raise  # the refusal came from further on (e.g. the AppView): a new login would not help
            log.info("bluesky: session for %s rejected (%s); logging in again", self.handle, error_words(exc))
        await self.login(with_password=True)
        return await make()

    async def _session_accepted(self) -> bool:
        try:
            await self.client.com.atproto.server.get_session()
        except (UnauthorizedError, BadRequestError):
            return False
        return True
