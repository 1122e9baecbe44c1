"""X (API v2, through tweepy): the brand's mentions timeline, polled, and the
filtered stream for the configured rules, with recent search as its catch-up.

Feeds and their cursor keys (the cursor is JSON, one newest tweet id each):
  "mentions" - `GET /2/users/:id/mentions`, polled every `poll_interval`
  "rules"    - the filtered stream (rules tagged "rejoinder:<source name>");
               on connect, and while it is down, `GET /2/tweets/search/recent`
               with the same rules from the saved id, so nothing is lost
A tweet both feeds deliver is emitted once. Retweets and the brand's own
tweets are never mentions. A fresh source (no cursor) starts from now.

X streams no deletions. After each mentions poll the source looks up the
tweets it delivered in this run (the newest 100, for a day) and reports the
ones X no longer finds as deleted. Replies are in `x_reply.XPublisher`.

An edit on X is a new tweet (new id) whose `edit_history_tweet_ids` starts
with the original's id; the feeds deliver it like any new tweet. It is
emitted as an edited item for the original post (`SourceItem.edited`), with
`reply_ref["reply_to_id"]` naming the latest version, the one a reply goes to.
An older version met after a newer one is skipped.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import requests
import tweepy

from bot.ports import SourceItem
from integrations.social.x import check as x_check
from integrations.social.common.feed_cursor import FeedCursor
from integrations.social.common.feed_loop import FeedLoop
from integrations.social.common.stream_bridge import BadPayload, RecentIds, ThreadedStream, id_order, keep_trying
from integrations.social.x.http import FilteredStream, StreamRefused, make_client, rate_limit_delay
from integrations.social.x.parse import (
    EXPANSIONS,
    NETWORK,
    TWEET_FIELDS,
    USER_FIELDS,
    missing_tweet_ids,
    parse_page,
    parse_stream_line,
    parse_tweet,
    tweet_facts,
)
from integrations.social.x.reply import XPublisher

__all__ = ["XPublisher", "XSource"]

log = logging.getLogger(__name__)
T = TypeVar("T")
MENTIONS, RULES, STREAM = "mentions", "rules", "filtered"
QUERY_LIMIT = 512  # characters in one search query
NETWORK_ERRORS = (tweepy.TweepyException, requests.RequestException, OSError)
TRANSIENT = (tweepy.TwitterServerError, requests.RequestException, OSError)


def rule_queries(rules: list[str]) -> list[str]:
    """The rules as few search queries as fit: `(r1) OR (r2)`, each under 512 characters."""
    queries: list[str] = []
    for rule in rules:
        part = f"({rule})"
        if queries and len(queries[-1]) + 4 + len(part) <= QUERY_LIMIT:
            queries[-1] += " OR " + part
        else:
            queries.append(part)
    return queries


class XSource:
    network = NETWORK
    check = x_check.check_source  # -> str; raises SourceCheckFailed

    def __init__(self, name: str, bearer_token: str, brand_user_id: str, rules: list[str], *,
                 api_base_url: str | None = None, poll_interval: float = 60.0, reconnect_delay: float = 1.0,
                 max_rate_limit_wait: float = 900.0, max_pages: int = 20, cursor_every: float = 5.0,
                 queue_size: int = 1000) -> None:
        self.name, self.brand_user_id = name, str(brand_user_id)
        self._bearer, self.api_base_url = bearer_token, api_base_url
        self.rules = list(dict.fromkeys(r.strip() for r in rules if r and r.strip()))
        self.rule_tag = f"rejoinder:{name}"
        self.poll_interval, self.reconnect_delay = poll_interval, reconnect_delay
        self.max_rate_limit_wait, self.max_pages = max_rate_limit_wait, max_pages
        self.cursor_every, self.queue_size = cursor_every, queue_size

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        run = _Run(self, FeedCursor.load(cursor, self.name, [MENTIONS, RULES]))
        await run.start()
        feeds = FeedLoop(
            f"x {self.name}", {STREAM: [RULES]} if self.rules else {}, [MENTIONS],
            open_stream=run.open_stream, catch_up=run.catch_up, on_event=run.on_stream_line,
            poll_interval=self.poll_interval, reconnect_delay=self.reconnect_delay, queue_size=self.queue_size,
            # X asks for at least a minute's pause after a refused (429) stream connection.
            retry_floor=lambda error: 60.0 if isinstance(error, StreamRefused) and error.status == 429 else 0.0)
        try:
            async for item in feeds.run():
                yield item
        finally:
            run.client.session.close()


class _Run:
    def __init__(self, source: XSource, cursor: FeedCursor) -> None:
        self.source, self.cursor = source, cursor
        self.client = make_client(bearer_token=source._bearer, api_base_url=source.api_base_url)
        self.seen = RecentIds()
        self.delivered: OrderedDict[str, float] = OrderedDict()  # tweet id -> when, for deletion checks
        self._unsaved, self._last_cursor_at = False, 0.0
        self.brand_mention = re.compile(r"(?!)")  # set by start(): "@<brand username>"

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call in a thread; a 429 waits until x-rate-limit-reset, then tries again."""
        for _ in range(5):
            try:
                return await asyncio.to_thread(fn, *args, **kwargs)
            except tweepy.TooManyRequests as exc:
                delay = rate_limit_delay(exc)
                if delay > self.source.max_rate_limit_wait:
                    raise
                log.warning("x %s: rate limited; waiting %.1f s for the reset", self.source.name, delay)
                await asyncio.sleep(delay)
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def start(self) -> None:
        try:
            body = await keep_trying(f"x {self.source.name}: looking up the brand account",
                                     lambda: self.call(self.client.get_user, id=self.source.brand_user_id), TRANSIENT)
        except tweepy.Unauthorized as exc:
            raise ValueError(f"x source {self.source.name!r}: the bearer token was refused ({exc})") from exc
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise ValueError(f"x source {self.source.name!r}: brand_user_id {self.source.brand_user_id!r} "
                             f"is not a known user ({body.get('errors') if isinstance(body, dict) else body})")
        username = str(body["data"].get("username", ""))
        self.brand_mention = re.compile(r"(?<![\w@])@" + re.escape(username) + r"(?!\w)", re.I)
        if self.source.rules:
            try:
                await asyncio.to_thread(self._sync_rules)
            except NETWORK_ERRORS as exc:  # the stream will fail too: search keeps the rules covered
                log.error("x %s: could not set the filtered stream rules: %r", self.source.name, exc)

    def _sync_rules(self) -> None:
        """Make the rules tagged with this source's tag exactly the configured ones."""
        rules_client = FilteredStream(self.source._bearer, self.source.api_base_url)
        try:
            self._apply_rules(rules_client)
        finally:
            rules_client.session.close()

    def _apply_rules(self, rules_client: FilteredStream) -> None:
        current = rules_client.get_rules().get("data") or []
        ours = [r for r in current if isinstance(r, dict) and r.get("tag") == self.source.rule_tag]
        stale = [r["id"] for r in ours if r.get("value") not in self.source.rules]
        missing = [v for v in self.source.rules if v not in {r.get("value") for r in ours}]
        if stale:
            rules_client.delete_rules(stale)
        if missing:
            added = rules_client.add_rules([tweepy.StreamRule(v, tag=self.source.rule_tag) for v in missing])
            for error in added.get("errors") or []:
                log.error("x %s: rule refused: %s", self.source.name, error)

    def open_stream(self, key: str, queue: asyncio.Queue) -> ThreadedStream:
        stream = FilteredStream(self.source._bearer, self.source.api_base_url)
        return ThreadedStream(key, queue, stream.run, stream.interrupt).start()

    # -- polling ---------------------------------------------------------

    async def catch_up(self, feeds: list[str]) -> AsyncIterator[SourceItem]:
        for feed in feeds:
            try:
                async for item in self._poll(feed):
                    yield item
            except NETWORK_ERRORS as exc:
                log.warning("x %s: polling %s failed: %r", self.source.name, feed, exc)
            except Exception:  # noqa: BLE001 - an odd answer must not end the source; the next poll retries
                log.exception("x %s: polling %s failed", self.source.name, feed)
        if MENTIONS in feeds and self.delivered:
            try:
                for item in await self._deletions():
                    yield item
            except NETWORK_ERRORS as exc:
                log.warning("x %s: checking for deleted tweets failed: %r", self.source.name, exc)
        if self._unsaved:
            yield self._cursor_item()

    def _pages(self, feed: str) -> list[tuple[Callable[..., Any], str]]:
        """(fetch, name of its page token) for each request that makes up the feed."""
        if feed == MENTIONS:
            return [(lambda **kw: self.client.get_users_mentions(self.source.brand_user_id, **kw),
                     "pagination_token")]
        return [(lambda q=q, **kw: self.client.search_recent_tweets(q, **kw), "next_token")
                for q in rule_queries(self.source.rules)]

    async def _poll(self, feed: str) -> AsyncIterator[SourceItem]:
        since, place = self.cursor.get(feed), f"x {self.source.name} {feed}"
        fields = {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}
        if since is None:  # first run: start from the newest tweet, not from old history
            ids = ["0"]  # an empty feed starts at "0": its first tweet is new, not old history
            for fetch, _ in self._pages(feed):
                page = parse_page(await self.call(fetch, max_results=10), place)
                ids += [str(t["id"]) for t in page.tweets if isinstance(t, dict) and str(t.get("id", "")).isdigit()]
            self._unsaved = self.cursor.advance(feed, max(ids, key=id_order)) or self._unsaved
            return
        tweets, users = [], {}
        for fetch, token_name in self._pages(feed):
            token = None
            for _ in range(self.source.max_pages):
                extra = {"since_id": since} if since != "0" else {}
                try:
                    body = await self.call(fetch, max_results=100, **fields, **extra,
                                           **({token_name: token} if token else {}))
                except tweepy.BadRequest as exc:
                    if not extra:
                        raise
                    # Search only reaches back 7 days: an older saved id is refused. Read what it can reach.
                    log.warning("x %s: %s refused since_id %s (%s); reading without it", self.source.name, feed,
                                since, "; ".join(exc.api_messages)[:200])
                    since = "0"
                    continue
                page = parse_page(body, place)
                tweets += page.tweets
                users.update(page.users)
                token = page.next_token
                if token is None:
                    break
        # X pages newest first: deliver oldest first, so each saved cursor covers everything before it.
        for tweet in sorted(tweets, key=lambda t: id_order(str(t.get("id", "")) if isinstance(t, dict) else "")):
            item = await self.on_tweet(feed, tweet, users, "poll")
            if item is not None:
                yield item

    async def _deletions(self) -> list[SourceItem]:
        horizon = time.monotonic() - 86_400
        while self.delivered and next(iter(self.delivered.values())) < horizon:
            self.delivered.popitem(last=False)
        ids = list(self.delivered)[-100:]
        body = await self.call(self.client.get_tweets, ids, tweet_fields=["id"])
        gone = [i for i in missing_tweet_ids(body) if i in self.delivered]
        for tweet_id in gone:
            del self.delivered[tweet_id]
        return [SourceItem(None, self.cursor.dump(), deleted_id=tweet_id) for tweet_id in gone]

    # -- one tweet -------------------------------------------------------

    async def on_stream_line(self, key: str, raw: Any) -> list[SourceItem]:
        place = f"x {self.source.name} stream"
        try:
            line = parse_stream_line(raw, place)
        except BadPayload as exc:
            log.warning("%s; skipped", exc)
            return []
        for error in line.errors:
            log.warning("%s: X reported %s", place, str(error)[:300])
        if line.tweet is None or (line.rule_tags is not None and self.source.rule_tag not in line.rule_tags):
            return []  # nothing, or a tweet for another app's rules
        item = await self.on_tweet(RULES, line.tweet, line.users, "stream")
        return [item] if item is not None else []

    async def on_tweet(self, feed: str, tweet: Any, users: dict, via: str) -> SourceItem | None:
        place = f"x {self.source.name} {feed} ({via})"
        mention = None
        try:
            facts = tweet_facts(tweet, place)
            again = facts.id in self.seen or self.cursor.delivered(facts.id)  # another feed delivered it
            moved = self.cursor.advance(feed, facts.id)  # (which also stops expecting it from this feed)
            if again:
                self.cursor.reached(feed, facts.id)
            elif not facts.retweet and not facts.superseded and facts.author_id != self.source.brand_user_id:
                mention = parse_tweet(tweet, users, place)
                self.seen.add(facts.id)
                self.delivered.pop(mention.external_id, None)  # an edit: checked as the original (X deletes
                self.delivered[mention.external_id] = time.monotonic()  # every version with any one of them)
                self.cursor.expect(facts.id, self._also_in(feed, mention.text))
        except BadPayload as exc:
            log.warning("%s; skipped", exc)
            moved = False
        self._unsaved = self._unsaved or moved
        if mention is not None:
            return self._cursor_item(mention, edited=facts.edit_of is not None)
        if self._unsaved and time.monotonic() - self._last_cursor_at >= self.source.cursor_every:
            return self._cursor_item()
        return None

    def _also_in(self, feed: str, text: str) -> set[str]:
        """The other feed that may deliver this tweet again (after a restart)."""
        if feed == RULES:
            return {MENTIONS} if self.brand_mention.search(text) else set()
        return {RULES} if self.source.rules else set()

    def _cursor_item(self, mention=None, edited: bool = False) -> SourceItem:
        self._unsaved, self._last_cursor_at = False, time.monotonic()
        return SourceItem(mention, self.cursor.dump(), edited=edited)
