"""The brand account's session on its PDS, shared by everything acting as it.

Bluesky limits password logins (createSession, about 100 a day), so the
session is made once, refreshed by the SDK, kept between runs through the
`load`/`save` hooks, and replaced with a password login only when the PDS
rejects it. The session string holds the access and refresh tokens: it is a
credential and is never logged.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from atproto import AsyncClient, SessionEvent
from atproto_client.exceptions import BadRequestError, LoginRequiredError, UnauthorizedError
from atproto_server.exceptions import InvalidTokenError

log = logging.getLogger(__name__)
T = TypeVar("T")
SESSION_REJECTED = {"ExpiredToken", "InvalidToken", "AuthRequired", "AuthMissing"}
# What a saved session that cannot be used raises: refused by the PDS, or not a session string at all.
_UNUSABLE = (UnauthorizedError, BadRequestError, InvalidTokenError, LoginRequiredError, ValueError)

Load = Callable[[], Awaitable[str | None]]
Save = Callable[[str], Awaitable[None]]


def error_name(exc: BaseException) -> str | None:
    """The XRPC error name of an SDK exception ("ExpiredToken", "UpstreamFailure", ...)."""
    return getattr(getattr(getattr(exc, "response", None), "content", None), "error", None)


def error_words(exc: BaseException) -> str:
    content = getattr(getattr(exc, "response", None), "content", None)
    return getattr(content, "message", None) or getattr(content, "error", None) or str(exc) or type(exc).__name__


def _why(exc: BaseException) -> str:
    """A refusal's reason without quoting what was refused (it may hold a token)."""
    return error_words(exc) if getattr(exc, "response", None) is not None else type(exc).__name__


class BrandSession:
    """One logged-in client for one account; share it between its publisher and sources.

    `load()` gives the session string saved by an earlier run (or None); `save(s)`
    is called with the new string whenever the session changes (a login or a
    refresh). Both are optional; a failing `save` costs a login on the next start.
    """

    def __init__(self, service_url: str, handle: str, password: str, session_string: str | None = None, *,
                 load: Load | None = None, save: Save | None = None) -> None:
        self.service_url = service_url.rstrip("/")
        self.client = AsyncClient(base_url=self.service_url)
        self.client.on_session_change(self._remember)
        self.handle, self._password = handle.lstrip("@"), password
        self._session_string = session_string
        self._load, self._save = load, save
        self._lock = asyncio.Lock()
        self._closed = False
        self.did: str | None = None
        self.password_logins = 0  # password logins so far; sessions should be reused

    @property
    def session_string(self) -> str | None:
        """The current session (a credential): what `save` receives."""
        return self._session_string

    async def _remember(self, event: SessionEvent, session) -> None:
        encoded = session.encode()
        if encoded == self._session_string:
            return
        self._session_string = encoded
        if self._save is None or event == SessionEvent.IMPORT:
            return
        try:
            await self._save(encoded)
        except Exception as exc:  # noqa: BLE001 - the session works; only the next start pays a login
            log.warning("bluesky: could not save the session of %s (%s); the next start logs in again",
                        self.handle, type(exc).__name__)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self.client.request.close()

    async def login(self, with_password: bool = False) -> None:
        """Resume the saved session (or log in); with_password: log in afresh."""
        async with self._lock:
            if with_password:
                await self._password_login()
            elif not self.did:
                await self._resume_or_log_in()

    async def _saved(self) -> str | None:
        if self._session_string or self._load is None:
            return self._session_string
        try:
            return await self._load()
        except Exception as exc:  # noqa: BLE001 - without it the account logs in with its password
            log.warning("bluesky: could not read the saved session of %s (%s)", self.handle, type(exc).__name__)
            return None

    async def _resume_or_log_in(self) -> None:
        saved = await self._saved()
        if saved:
            try:
                await self.client.login(session_string=saved, fetch_bsky_profile=False)
                me = await self.client.com.atproto.server.get_session()
            except _UNUSABLE as exc:
                log.info("bluesky: saved session for %s rejected (%s); logging in", self.handle, _why(exc))
            else:
                self._session_string = self._session_string or saved
                self.did, self.handle = me.did, me.handle
                return
        await self._password_login()

    async def _password_login(self) -> None:
        self.password_logins += 1
        await self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        me = await self.client.com.atproto.server.get_session()
        self.did, self.handle = me.did, me.handle

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One API call; a rejected session is replaced once. Other errors (429s too) go to the caller."""
        await self.login()
        used = self._session_string
        try:
            return await make()
        except (UnauthorizedError, BadRequestError) as exc:
            if not (isinstance(exc, UnauthorizedError) or error_name(exc) in SESSION_REJECTED):
                raise
            if not await self._repair(used, exc):
                raise  # the refusal came from further on (e.g. the AppView): a new login would not help
        return await make()

    async def _repair(self, used: str | None, exc: BaseException) -> bool:
        """After the PDS refused session `used`: True when there is a new one to try."""
        async with self._lock:
            if self._session_string != used:
                return True  # replaced meanwhile, by a refresh or another caller's login
            if await self._session_accepted():
                return self._session_string != used  # fine after all (perhaps just refreshed)
            log.info("bluesky: session for %s rejected (%s); logging in again", self.handle, _why(exc))
            await self._password_login()
            return True

    async def _session_accepted(self) -> bool:
        try:
            await self.client.com.atproto.server.get_session()
        except _UNUSABLE:
            return False
        return True
