"""RSS and Atom feeds (blogs, forums, news alerts): listen only.

Each poll is a conditional GET (If-None-Match / If-Modified-Since), so an
unchanged feed costs a 304 and yields nothing. Entries already yielded are
remembered in the cursor (bounded), so a restart does not repeat them; the new
validators travel only with the last item of a fetch, so a crash halfway
through a fetch makes the next start read the whole document again.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from bot.ports import SourceCheckFailed, SourceItem
from bot.types import NETWORK_PATTERN, Mention
from integrations.social.rss.entries import RssCursor, NotAFeed, parse_feed
from integrations.social.common.keywords import KeywordMatcher
from integrations.social.common.reach_check import TIMEOUT, unreachable

log = logging.getLogger(__name__)
USER_AGENT = "rejoinder/0.1 (feed reader)"


class FeedError(Exception):
    """A fetch that gave no usable document; the source backs off."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


class RssSource:
    """Polls one feed; keeps entries naming a keyword (all when there are none)."""

    def __init__(self, name: str, url: str, *, network: str = "rss", keywords: list[str] | None = None,
                 poll_interval: float = 300.0, max_backoff: float = 3600.0, seen_limit: int = 1000,
                 max_bytes: int = 5 * 1024 * 1024, timeout: float = 20.0,
                 on_error: Callable[[str], None] | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"feed source {name!r}: url {url!r} must start with http:// or https://")
        if not re.fullmatch(NETWORK_PATTERN, network):
            raise ValueError(f"feed source {name!r}: network {network!r} must be lower-case letters, digits, - or _")
        self.name, self.url, self.network = name, url, network
        self.matcher = KeywordMatcher(keywords)
        self.poll_interval, self.max_backoff = poll_interval, max_backoff
        self.seen_limit, self.max_bytes, self.timeout = seen_limit, max_bytes, timeout
        self.on_error = on_error
        self._wake = asyncio.Event()

    def poll_now(self) -> None:
        """Cut the current wait short."""
        self._wake.set()

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        state = RssCursor.load(cursor, self.name)
        failures = 0
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True,
                                     headers={"User-Agent": USER_AGENT}) as http:
            while True:
                self._wake.clear()
                wait = self.poll_interval
                try:
                    fetched = await self._fetch(http, state)
                except (httpx.HTTPError, FeedError) as exc:
                    failures += 1
                    wait = min(self.max_backoff, self.poll_interval * 2.0 ** failures)
                    wait = min(self.max_backoff, max(wait, getattr(exc, "retry_after", None) or 0.0))
                    reason = str(exc) if isinstance(exc, FeedError) else f"{type(exc).__name__}: {exc}"
                    log.warning("feed %s: %s; next try in %.0f s", self.name, reason, wait)
                    self._report(f"{self.url}: {reason}")
                else:
                    failures = 0
                    if fetched is not None:
                        for item in self._new_items(state, *fetched):
                            yield item
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass

    async def check(self) -> str:
        """GET the feed once (unconditionally), parse it and count its entries."""
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True,
                                     headers={"User-Agent": USER_AGENT}) as http:
            try:
                fetched = await self._fetch(http, RssCursor())
            except FeedError as exc:
                raise SourceCheckFailed(f"the feed at {self.url} is not usable: {exc}; check url in "
                                        "rejoinder.yaml") from None
            except httpx.HTTPError as exc:
                raise unreachable(self.url, exc) from None
        if fetched is None:
            raise SourceCheckFailed(f"{self.url} answered 304 Not Modified to a plain GET; the server is "
                                    "misbehaving")
        mentions, headers = fetched
        validators = [name for name, header in (("ETag", "etag"), ("Last-Modified", "last-modified"))
                      if headers.get(header)]
        cheap = (" and ".join(validators) + " set") if validators else \
            "no ETag or Last-Modified, so every poll downloads the whole feed"
        return f"feed answered 200, {len(mentions)} entr{'y' if len(mentions) == 1 else 'ies'}, {cheap}"

    async def _fetch(self, http: httpx.AsyncClient, state: RssCursor) -> tuple[list[Mention], httpx.Headers] | None:
        """The feed's entries and response headers; None when it has not changed (304)."""
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        async with http.stream("GET", self.url, headers=headers) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code}",
                                _retry_after(response.headers.get("retry-after")))
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FeedError(f"the feed is {declared} bytes, larger than the limit of {self.max_bytes} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FeedError(f"the feed is larger than the limit of {self.max_bytes} bytes")
        try:
            mentions, problems = parse_feed(bytes(body), str(response.url), self.network,
                                            datetime.now(timezone.utc), response.headers.get("content-type"))
        except NotAFeed as exc:
            raise FeedError(str(exc)) from None  # keep the old validators and back off
        for problem in problems:
            log.warning("feed %s: skipped: %s", self.name, problem)
            self._report(problem)
        return mentions, response.headers

    def _new_items(self, state: RssCursor, mentions: list[Mention], headers: httpx.Headers) -> list[SourceItem]:
        """Unseen entries with a keyword, oldest first; the last item (or a
        cursor-only item) carries the fetch's validators."""
        start, seen = state.dump(), set(state.seen)
        fresh, ids = [], {}  # dict: ordered and quick to look up
        for mention in sorted(mentions, key=lambda m: m.created_at):
            if mention.external_id in seen or mention.external_id in ids:
                continue
            ids[mention.external_id] = True
            if self.matcher.matches(mention.text):
                fresh.append(mention)
        limit = max(self.seen_limit, 2 * len(mentions))
        kept = {m.external_id for m in fresh}
        state.add_seen([i for i in ids if i not in kept], limit)  # noise is remembered too
        items = []
        for index, mention in enumerate(fresh):
            state.add_seen([mention.external_id], limit)
            if index == len(fresh) - 1:
                self._take_validators(state, headers)
            items.append(SourceItem(mention, state.dump()))
        self._take_validators(state, headers)
        if state.dump() != (items[-1].cursor if items else start):
            items.append(SourceItem(None, state.dump()))
        return items

    @staticmethod
    def _take_validators(state: RssCursor, headers: httpx.Headers) -> None:
        state.etag = headers.get("etag") or None
        state.last_modified = headers.get("last-modified") or None

    def _report(self, problem: str) -> None:
        if self.on_error is not None:
            self.on_error(problem)
