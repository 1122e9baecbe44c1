"""Reddit authors' reach: the followers of a user's profile, read from
`GET /user/<name>/about` (the `subscribers` of the account's `subreddit`, the
profile). praw's `Redditor._fetch()` makes this same request; asking for the
raw JSON keeps praw from building lazy objects that fetch again on a missing
attribute. Listings carry no follower counts, so kept mentions are looked up
one author at a time, cached, and never at the price of listening.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import praw
import prawcore
import requests
from praw.exceptions import PRAWException

log = logging.getLogger(__name__)
ABOUT = re.compile(r"/user/[^/]+/about/?(\?|$)")
NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
GONE = {"", "[deleted]", "[removed]"}
LOOKUP_TIMEOUT = 5.0  # seconds; a listing may wait this long for one author, at worst


def rate_limit_wait(exc: BaseException, default: float) -> float:
    """Seconds until Reddit lifts a 429 (`x-ratelimit-reset`, else `retry-after`)."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name in ("x-ratelimit-reset", "retry-after"):
        try:
            return max(float(headers[name]), 0.0) + 0.1
        except (KeyError, TypeError, ValueError):
            continue
    return default


class LookupFailed(requests.RequestException):
    """A profile request that failed in a form prawcore does not repeat: its
    retries sleep several seconds, and a lookup is worth none of them."""


class QuickLookups(requests.Session):
    """The source's HTTP session. Profile lookups get a short timeout and no
    retries; everything else (listings, the token) is untouched. Sharing one
    session and praw client keeps one token and one rate-limit budget."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if not ABOUT.search(str(url)):
            return super().request(method, url, *args, **kwargs)
        kwargs["timeout"] = min(kwargs.get("timeout") or LOOKUP_TIMEOUT, LOOKUP_TIMEOUT)
        try:
            response = super().request(method, url, *args, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise LookupFailed(repr(exc)) from exc
        if response.status_code >= 500:
            raise LookupFailed(f"HTTP {response.status_code}")
        return response


def followers_in(answer: Any) -> int:
    """The follower count in a `/user/<name>/about` answer; 0 for a suspended
    account (it has only `name` and `is_suspended`) or anything unexpected."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or data.get("is_suspended"):
        return 0
    profile = data.get("subreddit")
    count = profile.get("subscribers") if isinstance(profile, dict) else None
    if isinstance(count, bool) or not isinstance(count, (int, float)) or not count > 0:
        return 0
    return int(min(count, 2**53))


class FollowerLookup:
    """Follower counts by author, cached for `ttl` seconds (at most `max_size`
    authors). Deleted, missing and suspended accounts count 0, quietly. A
    failed lookup counts 0, warns once and stops lookups for `quiet` seconds
    (longer when Reddit says so in a 429), so an outage costs one request."""

    def __init__(self, source: str, *, ttl: float = 3600.0, max_size: int = 5000, quiet: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source, self.ttl, self.max_size, self.quiet = source, ttl, max_size, quiet
        self.clock = clock
        self._cache: OrderedDict[str, tuple[int, float]] = OrderedDict()  # lower-case name -> (count, expiry)
        self._paused_until = 0.0
        self._limited_until = 0.0  # a 429's reset: the whole client must wait, not only lookups
        self._lock = threading.Lock()

    def cached(self, author: str) -> int | None:
        """The count without any request: known, gone, or lookups paused (0)."""
        if author in GONE or not NAME.fullmatch(author):
            return 0
        now = self.clock()
        with self._lock:
            hit = self._cache.get(author.lower())
            if hit is not None and hit[1] > now:
                self._cache.move_to_end(author.lower())
                return hit[0]
        return 0 if now < self._paused_until else None

    def rate_limited_for(self) -> float:
        """Seconds left of a rate limit a lookup ran into (0 when none)."""
        return max(self._limited_until - self.clock(), 0.0)

    def followers(self, reddit: praw.Reddit, author: str) -> int:
        """The author's follower count (runs in a thread)."""
        known = self.cached(author)
        if known is not None:
            return known
        try:
            count = followers_in(reddit.request(method="GET", path=f"user/{author}/about/"))
        except prawcore.NotFound:  # deleted, or never existed, or shadowbanned
            count = 0
        except prawcore.TooManyRequests as exc:
            wait = rate_limit_wait(exc, self.quiet)
            self._limited_until = self.clock() + wait
            return self._failed(author, f"rate limited for {wait:.1f} s", max(self.quiet, wait))
        except (prawcore.PrawcoreException, PRAWException, requests.RequestException) as exc:
            return self._failed(author, repr(getattr(exc, "original_exception", None) or exc), self.quiet)
        self._remember(author, count)
        return count

    def _failed(self, author: str, why: str, pause: float) -> int:
        self._paused_until = self.clock() + pause
        log.warning("reddit %s: looking up the followers of u/%s failed (%s); authors count 0 followers "
                    "for the next %.0f s", self.source, author, why, pause)
        return 0

    def _remember(self, author: str, count: int) -> None:
        with self._lock:
            self._cache[author.lower()] = (count, self.clock() + self.ttl)
            self._cache.move_to_end(author.lower())
            while len(self._cache) > self.max_size:
                self._cache.popitem(last=False)
