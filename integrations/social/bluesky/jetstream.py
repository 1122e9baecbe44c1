"""Bluesky mentions from Jetstream: the firehose as JSON, filtered by collection.

Jetstream (https://github.com/bluesky-social/jetstream) sends one JSON object
per record operation, `{"did", "time_us", "kind", "commit": {"operation",
"collection", "rkey", "record", "cid"}}`. Only `app.bsky.feed.post` is asked
for, so the stream is a small part of the full firehose and needs no CBOR or
CAR decoding. The record has the same shape as the firehose's decoded record,
so the same filter and parser apply.

`time_us` is the cursor: a reconnect asks for `cursor=<last time_us>` and the
server replays from that event on; events at or before the last one handled
are skipped, so nothing is seen twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx

from bot.ports import SourceCheckFailed, SourceItem
from integrations.social.bluesky.identity import HandleCache
from integrations.social.bluesky.profiles import ProfileLookup, stream_item
from integrations.social.bluesky.records import (
    NETWORK,
    POST_COLLECTION,
    FirehoseDecoder,
    FirehoseEvent,
    PostCandidate,
    PostDeleted,
    PostFilter,
)
from integrations.social.common.reach_check import TIMEOUT, unreachable

log = logging.getLogger(__name__)
MAX_MESSAGE = 4 * 1024 * 1024  # a post record is at most a few kB; this only guards memory
SANE_SINCE_US = 1_600_000_000_000_000  # 2020-09: any real time_us is later; a firehose seq is far smaller


class JetstreamDecoder(FirehoseDecoder):
    """Jetstream messages -> the firehose source's events; `seq` holds the last `time_us`."""

    def on_message(self, data: str | bytes) -> list[FirehoseEvent]:
        try:
            event = json.loads(data)
        except ValueError:
            log.warning("bluesky jetstream: skipped a message that is not JSON")
            return []
        time_us = event.get("time_us") if isinstance(event, dict) else None
        if not isinstance(time_us, int) or isinstance(time_us, bool):
            log.warning("bluesky jetstream: skipped a message without an integer time_us")
            return []
        if self.seq is not None and time_us <= self.seq:
            return []  # replayed after a reconnect: handled already
        self.seq = time_us
        events: list[FirehoseEvent] = []
        did, kind = event.get("did"), event.get("kind")
        if kind == "commit" and isinstance(did, str) and isinstance(event.get("commit"), dict):
            events = self._commit(did, event["commit"], time_us)
        elif kind == "identity" and isinstance(did, str) and self.on_identity is not None:
            identity = event.get("identity")
            handle = identity.get("handle") if isinstance(identity, dict) else None
            self.on_identity(did, handle if isinstance(handle, str) else None)
        return self.settle(events, time_us)

    def _commit(self, did: str, commit: dict, time_us: int) -> list[FirehoseEvent]:
        rkey, operation = commit.get("rkey"), commit.get("operation")
        if commit.get("collection") != POST_COLLECTION or not isinstance(rkey, str) or not rkey:
            return []
        if operation == "delete":
            return [PostDeleted(f"at://{did}/{POST_COLLECTION}/{rkey}", time_us)]
        # Posts cannot be edited in the app; an "update" is some other client's rewrite and is ignored.
        if operation != "create" or did in self.skip_dids:
            return []
        record, cid = commit.get("record"), commit.get("cid")
        if not isinstance(record, dict) or not isinstance(cid, str):
            log.warning("bluesky jetstream: at://%s/%s/%s has no record or cid", did, POST_COLLECTION, rkey)
            return []
        if record.get("$type", POST_COLLECTION) != POST_COLLECTION or not self.filter.matches(record):
            return []
        when = datetime.fromtimestamp(time_us / 1e6, timezone.utc).isoformat()  # for a record without createdAt
        return [PostCandidate(did, rkey, cid, record, time_us, when)]


class BlueskyJetstreamSource:
    """Watches a Jetstream instance for posts naming the brand.

    Yields a mention per kept post (cursor = its `time_us`), a deletion per
    deleted post, and a cursor-only item every `tick_every` events or
    `tick_seconds` of noise. Posts by `brand_did` are never mentions. With
    `appview_url` each kept post's author gets a follower count; without it, 0.
    `service_url` and `plc_url` resolve handles, as for the firehose source.
    """

    network = NETWORK

    def __init__(self, name: str, service_url: str, jetstream_url: str, watch_terms: list[str],
                 watch_handles: list[str], brand_did: str | None = None, *,
                 plc_url: str = "https://plc.directory", appview_url: str | None = None,
                 heartbeat: float = 30.0, tick_every: int = 500, tick_seconds: float = 5.0,
                 max_retry_delay: float = 60.0) -> None:
        self.name = name
        self.service_url = service_url.rstrip("/")
        self.jetstream_url = jetstream_url.rstrip("/")
        self.watch_terms, self.watch_handles = list(watch_terms), list(watch_handles)
        self.brand_did, self.plc_url, self.appview_url = brand_did, plc_url, appview_url
        self._heartbeat, self._max_delay = heartbeat, max_retry_delay
        self._tick_every, self._tick_seconds = tick_every, tick_seconds

    def subscribe_url(self, cursor: int | None) -> str:
        params: list[tuple[str, Any]] = [("wantedCollections", POST_COLLECTION)]
        if cursor is not None:
            params.append(("cursor", cursor))
        joiner = "&" if "?" in self.jetstream_url else "?"
        return self.jetstream_url + joiner + urlencode(params)

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        try:
            start = int(cursor) if cursor not in (None, "") else None
        except ValueError:
            raise ValueError(f"Bluesky source {self.name!r}: saved cursor {cursor!r} is not a Jetstream "
                             "time_us") from None
        start = self._usable(start)
        async with httpx.AsyncClient(timeout=5.0) as http, aiohttp.ClientSession() as session:
            handles = HandleCache(http, self.service_url, self.plc_url)
            profiles = ProfileLookup(http, self.appview_url) if self.appview_url else None
            dids = [d for d in [self.brand_did, *[await handles.did_of(h) for h in self.watch_handles]] if d]
            decoder = JetstreamDecoder(PostFilter(self.watch_terms, self.watch_handles, dids),
                                       skip_dids=[self.brand_did] if self.brand_did else [],
                                       tick_every=self._tick_every, tick_seconds=self._tick_seconds,
                                       on_identity=handles.on_identity)
            decoder.seq = start
            delay = 1.0
            while True:
                before = decoder.seq
                try:
                    async with session.ws_connect(self.subscribe_url(decoder.seq), heartbeat=self._heartbeat,
                                                  max_msg_size=MAX_MESSAGE) as ws:
                        async for message in ws:
                            if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                                break  # an error or a close: reconnect
                            for event in decoder.on_message(message.data):
                                item = await stream_item(event, str(event.seq), handles, profiles)
                                if item is not None:
                                    yield item
                        reason = f"the server closed the stream ({ws.close_code})"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    reason = repr(exc)
                delay = 1.0 if decoder.seq != before else min(delay * 2, self._max_delay)
                log.warning("bluesky jetstream %s: disconnected (%s); reconnecting from %s in %.0f s",
                            self.name, reason, decoder.seq, delay)
                await asyncio.sleep(delay)

    def _usable(self, start: int | None) -> int | None:
        """A firehose seq left by a switch from firehose_url reads as a time in 1970, and would replay
        all Jetstream keeps (a day or more); a time far ahead would skip everything until then."""
        now_us = int(time.time() * 1e6)
        if start is None or start == 0 or SANE_SINCE_US <= start <= now_us + 3_600_000_000:
            return start
        log.warning("bluesky jetstream %s: saved cursor %s is not a recent Jetstream time_us (a firehose seq?); "
                    "listening from now on", self.name, start)
        return None

    async def check(self) -> str:
        """The PDS answers, the watched handles resolve, Jetstream accepts a websocket."""
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            handles = HandleCache(http, self.service_url, self.plc_url)
            try:
                (await http.get(f"{self.service_url}/xrpc/com.atproto.server.describeServer")).raise_for_status()
                missing = [h for h in self.watch_handles if not await handles.did_of(h)]
            except httpx.HTTPError as exc:
                raise unreachable(self.service_url, exc) from None
        if missing:
            raise SourceCheckFailed(f"watched handle(s) {', '.join(missing)} do not resolve at "
                                    f"{self.service_url}: fix watch_handles in rejoinder.yaml")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session, \
                    session.ws_connect(self.subscribe_url(None)):
                pass
        except aiohttp.WSServerHandshakeError as exc:
            raise SourceCheckFailed(f"Jetstream at {self.jetstream_url} refused the websocket with HTTP "
                                    f"{exc.status}: check jetstream_url in rejoinder.yaml") from None
        except (aiohttp.ClientError, ValueError, OSError, TimeoutError) as exc:
            raise unreachable(self.jetstream_url, exc) from None
        return f"PDS {self.service_url} answers; Jetstream {self.jetstream_url} accepts a websocket"
