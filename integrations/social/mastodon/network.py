"""Mastodon: mentions of the brand account, watched hashtags and (on the
brand's home timeline) watched terms, streamed with a polling fallback.

Feeds and their cursor keys:
  "mentions"  - notifications of type mention (the cursor is the notification id)
  "home"      - the brand's home timeline, kept when a status names a watch term
                (only when watch terms are configured)
  "tag:<t>"   - the public timeline of each watched hashtag
The user stream carries "mentions" and "home", one hashtag stream each tag.

When a stream connects (and again after it drops) every feed it carries is
first caught up by polling with `min_id` from the saved cursor, page by page
(oldest first), so a restart or a dropped connection loses nothing; a status
delivered twice (by two feeds, or by the stream and the catch-up) is dropped,
also across a restart (the cursor keeps what another feed has yet to meet).
While a stream is down its feeds are polled every `poll_interval`.

Deletions and edits come only from the streams (`delete`, `status.update`);
polling cannot see them. An edit becomes an edited item when the status is
one this source would keep (delivered in this run, naming the brand, on a
watched tag, naming a watch term); Mastodon streams edits to the accounts a
status mentions too. Boosts and the brand's own statuses are never mentions.
A fresh source (no cursor) starts from now rather than from old history.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

from mastodon.errors import MastodonError, MastodonNetworkError, MastodonServerError, MastodonUnauthorizedError

from bot.ports import SourceItem
from bot.types import Mention
from integrations.social.mastodon import check as mastodon_check
from integrations.social.common.feed_cursor import FeedCursor
from integrations.social.common.feed_loop import FeedLoop
from integrations.social.mastodon.parse import (
    NETWORK,
    BadPayload,
    TermMatcher,
    parse_notification,
    parse_status,
    status_facts,
)
from integrations.social.mastodon.reply import MastodonPublisher
from integrations.social.mastodon.stream import TAG_PREFIX, USER_STREAM, make_client, open_stream
from integrations.social.common.stream_bridge import RecentIds, id_order, keep_trying

__all__ = ["MastodonPublisher", "MastodonSource"]

log = logging.getLogger(__name__)
T = TypeVar("T")
MENTIONS, HOME = "mentions", "home"
TRANSIENT = (MastodonNetworkError, MastodonServerError, OSError)


class MastodonSource:
    network = NETWORK
    check = mastodon_check.check_source  # -> str; raises SourceCheckFailed

    def __init__(self, name: str, api_base_url: str, access_token: str, hashtags: list[str],
                 watch_terms: list[str], brand_account: str | None = None, *, poll_interval: float = 30.0,
                 stream_read_timeout: float = 90.0, page_size: int = 40, request_timeout: float = 30.0,
                 reconnect_delay: float = 1.0, cursor_every: float = 5.0, queue_size: int = 1000) -> None:
        self.name = name
        self.api_base_url = api_base_url.rstrip("/")
        self._token = access_token
        self.hashtags = list(dict.fromkeys(t.strip().lstrip("#").lower() for t in hashtags if t.strip().lstrip("#")))
        self.terms = TermMatcher(watch_terms)
        self.brand_account = brand_account.strip().lstrip("@").lower() if brand_account else None
        self.poll_interval, self.stream_read_timeout = poll_interval, stream_read_timeout
        self.page_size, self.request_timeout = page_size, request_timeout
        self.reconnect_delay, self.cursor_every, self.queue_size = reconnect_delay, cursor_every, queue_size
        self.streams: dict[str, list[str]] = {USER_STREAM: [MENTIONS] + ([HOME] if self.terms else [])}
        self.streams.update({TAG_PREFIX + t: [TAG_PREFIX + t] for t in self.hashtags})
        self.feeds = [feed for feeds in self.streams.values() for feed in feeds]

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        run = _Run(self, FeedCursor.load(cursor, self.name, self.feeds,
                                         post_id_feeds=[f for f in self.feeds if f != MENTIONS]))
        await run.start()
        feeds = FeedLoop(
            f"mastodon {self.name}", self.streams, [],
            open_stream=lambda key, queue: open_stream(run.client, key, queue, self.stream_read_timeout),
            catch_up=run.catch_up, on_event=lambda key, event: run.on_stream_event(key, *event),
            poll_interval=self.poll_interval, reconnect_delay=self.reconnect_delay, queue_size=self.queue_size)
        try:
            async for item in feeds.run():
                yield item
        finally:
            run.client.session.close()


class _Run:
    """The state of one `items()` call: client, cursor, ids already delivered
    and the thread roots learnt so far."""

    def __init__(self, source: MastodonSource, cursor: FeedCursor) -> None:
        self.source, self.cursor = source, cursor
        self.client = make_client(source.api_base_url, source._token, source.request_timeout)
        self.seen = RecentIds()
        self.edits = RecentIds()  # one edit reaches every stream that shows the status
        self.roots: OrderedDict[str, str] = OrderedDict()
        self.me_id: str | None = None
        self._last_cursor_at = 0.0
        self._unsaved = False

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def start(self) -> None:
        try:
            me = await keep_trying(f"mastodon {self.source.name}: checking the access token",
                                   lambda: self.call(self.client.account_verify_credentials), TRANSIENT)
        except MastodonUnauthorizedError as exc:
            raise ValueError(f"mastodon source {self.source.name!r}: the access token was refused by "
                             f"{self.source.api_base_url} ({exc}); check the token and its read scope") from exc
        self.me_id = str(me["id"])

    # -- polling ---------------------------------------------------------

    def _fetch(self, feed: str) -> Callable[..., Any]:
        if feed == MENTIONS:
            return lambda **kw: self.client.notifications(types=["mention"], **kw)
        if feed == HOME:
            return self.client.timeline_home
        return lambda **kw: self.client.timeline_hashtag(feed.removeprefix(TAG_PREFIX), **kw)

    async def catch_up(self, feeds: list[str]) -> AsyncIterator[SourceItem]:
        for feed in feeds:
            try:
                async for item in self._poll(feed):
                    yield item
            except (MastodonError, OSError) as exc:  # network trouble: the next poll tries again
                log.warning("mastodon %s: polling %s failed: %r", self.source.name, feed, exc)
            except Exception:  # noqa: BLE001 - an odd answer must not end the source; the next poll retries
                log.exception("mastodon %s: polling %s failed", self.source.name, feed)
        if self._unsaved:
            yield self._cursor_item()

    async def _poll(self, feed: str) -> AsyncIterator[SourceItem]:
        fetch, since = self._fetch(feed), self.cursor.get(feed)
        if since is None:  # first run: start from the newest entry, not from old history
            page = await self.call(fetch, limit=1)
            # An empty feed starts at "0", so its first entry is not taken for old history.
            ids = [str(e["id"]) for e in page or [] if isinstance(e, Mapping) and e.get("id") is not None]
            if self.cursor.advance(feed, max(ids + ["0"], key=id_order)):
                self._unsaved = True
            return
        page = await self.call(fetch, min_id=since, limit=self.source.page_size)
        while page:
            for entry in sorted(page, key=lambda e: id_order(str(e.get("id", "")) if isinstance(e, Mapping) else "")):
                item = await self.on_entry(feed, entry, "poll")
                if item is not None:
                    yield item
            if len(page) < self.source.page_size:
                return
            page = await self.call(self.client.fetch_previous, page)  # the Link rel="prev" page: newer

    # -- one entry -------------------------------------------------------

    async def on_stream_event(self, stream: str, name: str, payload: Any) -> list[SourceItem]:
        if name == "delete":
            return [SourceItem(None, self.cursor.dump(), deleted_id=str(payload))]
        if name == "malformed":
            log.warning("mastodon %s: stream %s sent a malformed event, skipped: %s", self.source.name, stream, payload)
            return []
        if name == "notification":
            item = await self.on_entry(MENTIONS, payload, "stream")
        elif name == "update" and stream != USER_STREAM:
            item = await self.on_entry(stream, payload, "stream")
        elif name == "update":
            item = await self.on_entry(HOME, payload, "stream") if self.source.terms else self._learn(payload)
        else:  # status.update
            item = await self.on_edit(stream, payload)
        return [item] if item is not None else []

    async def on_edit(self, stream: str, status: Any) -> SourceItem | None:
        """A `status.update` as an edited item, if the status is one this source keeps."""
        place = f"mastodon {self.source.name} {stream} (edit)"
        try:
            facts, mention = status_facts(status, place), parse_status(status, place)
            brand = self._names_brand(status)
            wanted = facts.id in self.seen or brand or stream != USER_STREAM or self.source.terms.find(mention.text)
            if facts.reblog or self._is_brand(status) or not wanted:
                return None
            if not self.edits.add(f"{facts.id}@{status.get('edited_at')}:{hash(mention.text)}"):
                return None  # the same edit, from another stream
            root = await self._root(facts.id, facts.in_reply_to_id, MENTIONS if brand else stream)
        except BadPayload as exc:
            log.warning("%s; skipped", exc)
            return None
        return SourceItem(mention.model_copy(update={"conversation_id": root}), self.cursor.dump(), edited=True)

    async def on_entry(self, feed: str, entry: Any, via: str) -> SourceItem | None:
        place = f"mastodon {self.source.name} {feed} ({via})"
        item_id, mention = None, None
        try:
            if feed == MENTIONS:
                note = parse_notification(entry, place)
                item_id, status = note.id, note.status if note.type == "mention" else None
                if note.type == "mention" and status is None:
                    raise BadPayload(f"{place}: mention notification {note.id} carries no status")
            else:
                item_id, status = status_facts(entry, place).id, entry
            if status is not None:
                mention = await self._mention(feed, status, place)
        except BadPayload as exc:
            log.warning("%s; skipped", exc)
        if item_id is not None and self.cursor.advance(feed, item_id):
            self._unsaved = True
        if mention is not None:
            return self._cursor_item(mention)
        if self._unsaved and time.monotonic() - self._last_cursor_at >= self.source.cursor_every:
            return self._cursor_item()
        return None

    def _cursor_item(self, mention: Mention | None = None) -> SourceItem:
        self._unsaved, self._last_cursor_at = False, time.monotonic()
        return SourceItem(mention, self.cursor.dump())

    def _learn(self, status: Any) -> None:
        """Remember a status's thread root (from a home update we do not keep)."""
        try:
            facts = status_facts(status, "home")
        except BadPayload:
            return None
        parent = facts.in_reply_to_id
        # An unknown parent is the best guess at the root (it is usually the post the brand answered).
        self._remember(facts.id, facts.id if parent is None else self.roots.get(parent, parent))
        return None

    def _remember(self, status_id: str, root: str) -> None:
        self.roots[status_id] = root
        if len(self.roots) > 20_000:
            self.roots.popitem(last=False)

    def _is_brand(self, status: Mapping) -> bool:
        account = status.get("account") if isinstance(status.get("account"), Mapping) else {}
        if self.me_id is not None and str(account.get("id")) == self.me_id:
            return True
        acct, brand = str(account.get("acct", "")).lower(), self.source.brand_account
        return bool(brand) and (acct == brand or ("@" not in acct and brand.startswith(acct + "@")))

    async def _mention(self, feed: str, status: Any, place: str) -> Mention | None:
        facts = status_facts(status, place)
        if facts.reblog or self._is_brand(status):
            self._learn(status)
            return None
        if facts.id in self.seen or self.cursor.delivered(facts.id):
            self.cursor.reached(feed, facts.id)  # another feed delivered it already
            return None
        mention = parse_status(status, place)
        if feed == HOME and not self.source.terms.find(mention.text):
            self._learn(status)
            return None
        self.seen.add(facts.id)
        self.cursor.expect(facts.id, self._also_in(feed, status))
        root = await self._root(facts.id, facts.in_reply_to_id, feed)
        return mention.model_copy(update={"conversation_id": root})

    def _also_in(self, feed: str, status: Mapping) -> set[str]:
        """The other feeds that may deliver this status again (after a restart)."""
        tags = status.get("tags")
        names = [t.get("name") for t in tags if isinstance(t, Mapping)] if isinstance(tags, list) else []
        also = {TAG_PREFIX + name.lower() for name in names if isinstance(name, str)}
        if self._names_brand(status):
            also.add(MENTIONS)
        return (also & set(self.source.feeds)) - {feed}

    def _names_brand(self, status: Mapping) -> bool:
        mentions = status.get("mentions")
        return isinstance(mentions, list) and any(isinstance(m, Mapping) and str(m.get("id")) == self.me_id
                                                  for m in mentions)

    async def _root(self, status_id: str, parent: str | None, feed: str) -> str:
        """The thread root: known from statuses seen before, else (for a reply
        that mentions the brand) one `context` lookup; otherwise the status itself."""
        if parent is None:
            root = status_id
        elif parent in self.roots:
            root = self.roots[parent]
        elif feed == MENTIONS:
            try:
                context = await self.call(self.client.status_context, status_id)
                ancestors = context.get("ancestors") or []
                root = str(ancestors[0]["id"]) if ancestors else status_id
                for ancestor in ancestors:
                    self._remember(str(ancestor["id"]), root)
            except (MastodonError, OSError, KeyError, TypeError) as exc:
                log.info("mastodon %s: thread of %s not resolved (%r)", self.source.name, status_id, exc)
                root = status_id
        else:
            root = status_id
        self._remember(status_id, root)
        return root
