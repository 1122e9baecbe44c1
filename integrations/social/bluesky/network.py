"""Bluesky: mentions from the repo firehose, replies through the brand's PDS."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import httpx
from atproto import AsyncClient, AsyncFirehoseSubscribeReposClient, models
from atproto_client.exceptions import BadRequestError, NetworkError, RateLimitExceededError, RequestException
from atproto_subscription.frames import MessageFrame

from bot.ports import PublishUncertain, SourceItem
from bot.types import Mention, PostedReply
from integrations.social.bluesky import check as bluesky_check
from integrations.social.bluesky.identity import HandleCache
from integrations.social.bluesky.profiles import ProfileLookup, stream_item
from integrations.social.bluesky.records import (
    NETWORK,
    FirehoseDecoder,
    PostFilter,
    post_url,
)
from integrations.social.bluesky.reply import check_reply_text, rate_limit_delay, reply_rkey
from integrations.social.bluesky.session import BrandSession, error_name

log = logging.getLogger(__name__)
T = TypeVar("T")


def _ws_url(service_url: str) -> str:
    base = service_url.rstrip("/")
    base = "wss://" + base[8:] if base.startswith("https://") else "ws://" + base.removeprefix("http://")
    return base if base.endswith("/xrpc") else base + "/xrpc"


class BlueskySource:
    """Watches the repo firehose for posts naming the brand.

    Yields a mention per kept post (cursor = its `seq`), a deletion per deleted
    post, and a cursor-only item every 500 events or 5 s of noise. The cursor is
    the last processed `seq`; the firehose resumes after it. Posts by the brand
    account itself (`brand_did`) are never mentions. With `appview_url` (a public
    AppView) each kept post's author gets a follower count; without it, 0.
    """

    network = NETWORK
    check = bluesky_check.check_source  # -> str; raises SourceCheckFailed

    def __init__(self, name: str, service_url: str, firehose_url: str | None, watch_terms: list[str],
                 watch_handles: list[str], brand_did: str | None = None, *,
                 plc_url: str = "https://plc.directory", appview_url: str | None = None, recv_timeout: float = 30.0,
                 tick_every: int = 500, tick_seconds: float = 5.0, queue_size: int = 1000) -> None:
        self.name = name
        self.service_url = service_url.rstrip("/")
        self.firehose_url = (firehose_url or _ws_url(self.service_url)).rstrip("/")
        self.watch_terms, self.watch_handles = list(watch_terms), list(watch_handles)
        self.brand_did, self.plc_url, self.appview_url = brand_did, plc_url, appview_url
        self._recv_timeout, self._queue_size = recv_timeout, queue_size
        self._tick_every, self._tick_seconds = tick_every, tick_seconds

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        try:
            start = int(cursor) if cursor not in (None, "") else None
        except ValueError:
            raise ValueError(
                f"Bluesky source {self.name!r}: saved cursor {cursor!r} is not a firehose seq number") from None
        async with httpx.AsyncClient(timeout=5.0) as http:
            handles = HandleCache(http, self.service_url, self.plc_url)
            profiles = ProfileLookup(http, self.appview_url) if self.appview_url else None
            dids = [d for d in [self.brand_did, *[await handles.did_of(h) for h in self.watch_handles]] if d]
            decoder = FirehoseDecoder(PostFilter(self.watch_terms, self.watch_handles, dids),
                                      skip_dids=[self.brand_did] if self.brand_did else [],
                                      tick_every=self._tick_every, tick_seconds=self._tick_seconds,
                                      on_identity=handles.on_identity)
            queue: asyncio.Queue[list] = asyncio.Queue(self._queue_size)
            pump = FirehosePump(self.name, self.firehose_url, self._recv_timeout, decoder, queue, start)
            task = asyncio.create_task(pump.run(), name=f"bluesky-firehose-{self.name}")
            try:
                while True:
                    events = await queue.get()
                    for index, event in enumerate(events):
                        # Several posts of one commit share a seq: only the last carries the cursor.
                        item_cursor = str(event.seq) if index == len(events) - 1 else None
                        item = await stream_item(event, item_cursor, handles, profiles)
                        if item is not None:
                            yield item
            finally:
                await pump.stop(task)


class FirehosePump:
    """Runs the SDK firehose client into a queue; reconnects from the last seq.

    The SDK client reconnects by itself after network errors, but stops on a
    clean close or an error frame: this loop starts it again with backoff.
    """

    def __init__(self, name: str, url: str, recv_timeout: float, decoder: FirehoseDecoder,
                 queue: asyncio.Queue, start: int | None) -> None:
        self.name, self.url, self.recv_timeout = name, url, recv_timeout
        self.decoder, self.queue, self.start = decoder, queue, start
        self.client: AsyncFirehoseSubscribeReposClient | None = None
        self.stopping = False

    async def run(self) -> None:
        delay = 1.0
        while not self.stopping:
            seen_before = self.decoder.seq
            cursor = self.decoder.seq if self.decoder.seq is not None else self.start
            self.client = client = AsyncFirehoseSubscribeReposClient(
                params={"cursor": cursor} if cursor is not None else None,
                base_uri=self.url, recv_timeout=self.recv_timeout)
            try:
                await client.start(self._on_message, self._on_error)
                reason = "the server closed the stream"
            except Exception as exc:  # noqa: BLE001 - keep listening whatever happened
                reason = repr(exc)
                if "FutureCursor" in reason:
                    log.error("bluesky firehose %s: cursor %s is ahead of the server; resuming live",
                              self.name, cursor)
                    self.decoder.seq = self.start = None
            if self.stopping:
                return
            delay = 1.0 if self.decoder.seq != seen_before else min(delay * 2, 60.0)
            log.warning("bluesky firehose %s: disconnected (%s); reconnecting in %.0f s", self.name, reason, delay)
            await asyncio.sleep(delay)

    async def _on_message(self, frame: MessageFrame) -> None:
        events = self.decoder.on_frame(frame.type, frame.body)
        if self.decoder.seq is not None and self.client is not None:
            self.client.update_params({"cursor": self.decoder.seq})  # the SDK's own reconnects resume here
        if events:
            await self.queue.put(events)

    async def _on_error(self, exc: BaseException) -> None:
        log.warning("bluesky firehose %s: event skipped: %r", self.name, exc)

    async def stop(self, task: asyncio.Task) -> None:
        # Stop the client before cancelling: on Python 3.11 `wait_for` inside the
        # SDK can swallow a cancellation that races with an arriving frame.
        self.stopping = True
        if self.client is not None:
            await self.client.stop()
        task.cancel()
        await asyncio.wait({task}, timeout=5.0)


class BlueskyPublisher:
    """Replies as the brand account, through a `BrandSession` it may share with
    the mentions source: one login (or resumed session) for both."""

    network = NETWORK
    length_limit = 300
    check = bluesky_check.check_publisher  # -> str: logs in (or resumes); raises SourceCheckFailed

    def __init__(self, service_url: str, handle: str, password: str, *, session_string: str | None = None,
                 max_rate_limit_wait: float = 120.0, session: BrandSession | None = None) -> None:
        self.session = session or BrandSession(service_url, handle, password, session_string)
        self._max_wait = max_rate_limit_wait

    @property
    def session_string(self) -> str | None:
        """Store this between runs and pass it back: Bluesky limits password logins."""
        return self.session.session_string

    @property
    def password_logins(self) -> int:
        return self.session.password_logins

    @property
    def did(self) -> str | None:
        return self.session.did

    @property
    def _client(self) -> AsyncClient:
        return self.session.client

    async def close(self) -> None:
        await self.session.close()

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One API call with the session repaired once and one wait on a 429."""
        waited = False
        while True:
            try:
                return await self.session.call(make)
            except RateLimitExceededError as exc:
                delay = rate_limit_delay(exc.reset_at, exc.retry_after, cap=float("inf"))
                if waited or delay > self._max_wait:
                    raise
                log.warning("bluesky: rate limited; waiting %.0f s for the limit to reset", delay)
                await asyncio.sleep(delay)
                waited = True

    @staticmethod
    def _refs(target: Mention) -> tuple[models.ComAtprotoRepoStrongRef.Main, models.ComAtprotoRepoStrongRef.Main]:
        ref = target.reply_ref
        if target.network != NETWORK or not ref.get("uri") or not ref.get("cid"):
            raise ValueError(f"mention {target.external_id!r} has no Bluesky reply_ref with 'uri' and 'cid'")
        parent = models.ComAtprotoRepoStrongRef.Main(uri=ref["uri"], cid=ref["cid"])
        root = models.ComAtprotoRepoStrongRef.Main(uri=ref.get("root_uri") or ref["uri"],
                                                   cid=ref.get("root_cid") or ref["cid"])
        return root, parent

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply:
        check_reply_text(text, self.length_limit)
        root, parent = self._refs(target)
        rkey = reply_rkey(target.external_id, idempotency_key)
        facets = await self._call(lambda: self._client.detect_facets(text))
        record = models.AppBskyFeedPost.Record(
            created_at=self._client.get_current_time_iso(), text=text, facets=facets or None,
            reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
            langs=[target.lang] if target.lang and target.lang.replace("-", "").isalnum() else None)
        for attempt in (1, 2):
            try:
                created = await self._call(
                    lambda: self._client.app.bsky.feed.post.create(self.did, record, rkey=rkey))
                return PostedReply(NETWORK, created.uri, post_url(self.session.handle, rkey))
            except RateLimitExceededError:
                raise
            except (NetworkError, RequestException, BadRequestError) as exc:
                # A taken record key (a 500 on this PDS) or a lost answer: the reply may exist already.
                try:
                    existing = await self.find_reply(target, idempotency_key)
                except (NetworkError, RequestException) as lookup:
                    raise PublishUncertain(
                        f"Bluesky reply to {target.external_id}: {exc}; checking for it failed: {lookup}") from exc
                if existing is not None:
                    return existing
                if isinstance(exc, BadRequestError):
                    raise  # the PDS refused the record itself; retrying cannot help
                if attempt == 2:
                    raise PublishUncertain(f"Bluesky reply to {target.external_id} failed twice: {exc}") from exc
                log.warning("bluesky: reply to %s failed (%s); retrying under the same key",
                            target.external_id, exc)
        raise AssertionError("unreachable")

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        rkey = reply_rkey(target.external_id, idempotency_key)
        try:
            found = await self._call(lambda: self._client.app.bsky.feed.post.get(self.did, rkey))
        except BadRequestError as exc:
            if error_name(exc) == "RecordNotFound":
                return None
            raise
        parent = getattr(getattr(found.value, "reply", None), "parent", None)
        if getattr(parent, "uri", None) != target.reply_ref.get("uri", target.external_id):
            log.error("bluesky: record %s is not a reply to %s; ignoring it", found.uri, target.external_id)
            return None
        return PostedReply(NETWORK, found.uri, post_url(self.session.handle, rkey))
