"""Replies on Mastodon as the brand account, through Mastodon.py.

Idempotency: every post carries the outbox row's key as `Idempotency-Key`;
Mastodon answers a repeated key (for the same account, within an hour) with
the status it already made, so a retry under the same key never posts twice.
After an uncertain attempt, `find_reply` looks through the brand's recent
statuses for one answering the target. It cannot tell two different replies
to the same post apart (a status carries no key), so it returns the newest.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonServerError,
)

from bot.ports import PublishUncertain
from bot.types import Mention, PostedReply
from integrations.social.mastodon import check as mastodon_check
from integrations.social.mastodon.parse import (
    NETWORK,
    reply_visibility,
    status_length,
    with_author_mention,
)
from integrations.social.mastodon.stream import make_client

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_LIMIT = 500
NO_HANDLE_ROOM = 32  # room kept for "@author " when the author is not known (as the default 468 does)
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class MastodonPublisher:
    network = NETWORK

    def __init__(self, api_base_url: str, access_token: str, *, request_timeout: float = 30.0,
                 find_pages: int = 5) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self._client = make_client(self.api_base_url, access_token, request_timeout)
        self._find_pages = find_pages
        self._lock = asyncio.Lock()  # Mastodon.py's rate-limit bookkeeping is not thread safe
        self._me: dict | None = None
        self._limit = DEFAULT_LIMIT

    @property
    def length_limit(self) -> int:
        """The instance's status limit (500 until `connect()` has read it)."""
        return self._limit

    def text_limit(self, author_handle: str | None) -> int | None:
        """How long the reply's own text may be: the instance's limit less the
        "@author " put in front of it (None until `connect()` has read the limit)."""
        if self._me is None:
            return None
        if author_handle is None or not author_handle.strip("@ "):
            return max(self._limit - NO_HANDLE_ROOM, 0)
        # Counted as _check counts it (a remote account's @user@server counts as @user).
        return max(self._limit - status_length(with_author_mention("", author_handle)), 0)

    @property
    def account(self) -> dict | None:
        return self._me

    async def close(self) -> None:
        self._client.session.close()

    async def check(self) -> str:
        """The token is accepted and the instance answers (a fresh client; nothing is posted)."""
        return await mastodon_check.check_publisher(self)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async with self._lock:
            return await asyncio.to_thread(fn, *args, **kwargs)

    async def connect(self) -> None:
        """Learn the brand account and the instance's length limit (once)."""
        if self._me is not None:
            return
        me = await self._call(self._client.account_verify_credentials)
        self._limit = await self._instance_limit()
        self._me = {"id": str(me["id"]), "acct": str(me.get("acct", ""))}

    async def _instance_limit(self) -> int:
        for fetch in (self._client.instance_v2, self._client.instance_v1):
            try:
                info = await self._call(fetch)
            except (MastodonNotFoundError, MastodonAPIError) as exc:
                log.debug("mastodon: %s unavailable (%r)", fetch.__name__, exc)
                continue
            statuses = ((info.get("configuration") or {}).get("statuses") or {})
            limit = statuses.get("max_characters") or info.get("max_toot_chars")
            if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
                return limit
        return DEFAULT_LIMIT

    def _check(self, target: Mention, text: str) -> str:
        if target.network != NETWORK:
            raise ValueError(f"mention {target.external_id!r} is from {target.network}, not Mastodon")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("Mastodon reply text is empty")
        body = with_author_mention(text.strip(), target.author.handle)
        length = status_length(body)
        if length > self._limit:
            raise ValueError(f"Mastodon reply is {length} characters long with the author's @-mention; "
                             f"this instance allows at most {self._limit}")
        return body

    def _posted(self, status: Any) -> PostedReply:
        return PostedReply(NETWORK, str(status["id"]), status.get("url") or status.get("uri"))

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply:
        await self.connect()
        body = self._check(target, text)
        visibility = reply_visibility(target.reply_ref.get("visibility"))
        language = target.lang.lower() if target.lang and _LANGUAGE.match(target.lang.lower()) else None
        for attempt in (1, 2):
            try:
                status = await self._call(self._client.status_post, body, in_reply_to_id=target.external_id,
                                          visibility=visibility, language=language,
                                          idempotency_key=idempotency_key)
                return self._posted(status)
            except (MastodonNetworkError, MastodonServerError) as exc:
                # The answer was lost or the server failed: the same key again is safe.
                if attempt == 1:
                    log.warning("mastodon: reply to %s failed (%r); retrying under the same key",
                                target.external_id, exc)
                    continue
                try:
                    found = await self.find_reply(target, idempotency_key)
                except (MastodonNetworkError, MastodonServerError) as lookup:
                    raise PublishUncertain(f"Mastodon reply to {target.external_id}: {exc}; "
                                           f"checking for it failed: {lookup}") from exc
                if found is not None:
                    return found
                raise PublishUncertain(f"Mastodon reply to {target.external_id} failed twice: {exc}") from exc
        raise AssertionError("unreachable")

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        """The brand's newest status answering `target`, looking at statuses
        newer than the target only (a few pages)."""
        await self.connect()
        page = await self._call(self._client.account_statuses, self._me["id"], since_id=target.external_id,
                                exclude_reblogs=True, limit=40)
        for _ in range(self._find_pages):
            if not page:
                return None
            for status in page:  # newest first
                if str(status.get("in_reply_to_id")) == target.external_id:
                    return self._posted(status)
            page = await self._call(self._client.fetch_next, page)
        return None
