"""Reddit: new submissions and comments in watched subreddits, replies as the
brand account. praw is synchronous, so every call runs in a worker thread."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import praw
import prawcore
import requests
from praw.exceptions import PRAWException, RedditAPIException

from bot.publishing.outbox import PermanentFailure
from bot.ports import PublishUncertain, SourceItem
from bot.types import Mention, PostedReply
from integrations.social.reddit import check as reddit_check
from integrations.social.common.keywords import KeywordMatcher
from integrations.social.reddit.reach import FollowerLookup, QuickLookups, rate_limit_wait
from integrations.social.reddit.things import (
    COMMENT, KINDS, NETWORK, SUBMISSION, Mark, RedditCursor, created_of, thing_author, thing_text, to_mention,
)

log = logging.getLogger(__name__)
REDDIT_URL = "https://www.reddit.com"
# Errors of one poll or one reply that a later attempt may not meet again.
TRANSIENT = (prawcore.PrawcoreException, PRAWException, requests.RequestException)


class PostUncertain(Exception):
    """A POST whose answer was lost or was a server error: it may have taken effect."""


class CarefulRequestor(prawcore.Requestor):
    """prawcore repeats a request after a 5xx or a broken connection; for
    `api/comment` that can post the same reply twice. A POST that may have taken
    effect raises instead, so the publisher looks on Reddit before any retry."""

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        method, url = str(args[0]).upper(), str(args[1])
        risky = method == "POST" and "/api/v1/access_token" not in url
        try:
            response = super().request(*args, timeout=timeout, **kwargs)
        except prawcore.RequestException as exc:
            if risky:
                raise PostUncertain(f"POST {url}: {exc.original_exception!r}") from exc
            raise
        if risky and response.status_code >= 500:
            raise PostUncertain(f"POST {url}: HTTP {response.status_code}")
        return response


def make_reddit(client_id: str, client_secret: str | None, user_agent: str, username: str | None,
                password: str | None, base_url: str | None, http: requests.Session) -> praw.Reddit:
    """A praw client; `base_url` replaces both oauth.reddit.com and www.reddit.com
    (the token endpoint lives on the latter). No login: read-only app access."""
    settings: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret, "user_agent": user_agent,
                                "check_for_updates": False, "check_for_async": False}
    if username:
        settings.update(username=username, password=password or "")
    if base_url:
        settings.update(oauth_url=base_url.rstrip("/"), reddit_url=base_url.rstrip("/"))
    return praw.Reddit(requestor_class=CarefulRequestor, requestor_kwargs={"session": http}, **settings)


class RedditSource:
    """Polls `/r/a+b/new` and `/r/a+b/comments` and keeps what names a keyword
    (everything when there are none). Posts by the brand account are skipped.
    Each kept mention carries its author's followers (see reddit_reach).

    The cursor holds, per listing, the newest creation time read and the
    fullnames of that second; each poll reads back to it (following `after`),
    so a restart neither loses nor repeats anything. With no cursor the newest
    `first_run_limit` items of each listing are read.
    """

    network = NETWORK
    check = reddit_check.check_source  # -> str; raises SourceCheckFailed

    def __init__(self, name: str, client_id: str, client_secret: str | None, user_agent: str,
                 subreddits: list[str], keywords: list[str], *, username: str | None = None,
                 password: str | None = None, poll_interval: float = 30.0, base_url: str | None = None,
                 first_run_limit: int = 100, max_items: int = 1000, max_backoff: float = 900.0,
                 on_error: Callable[[str], None] | None = None, follower_ttl: float = 3600.0,
                 lookup_quiet: float = 60.0) -> None:
        subs = [s.strip().removeprefix("r/").removeprefix("/r/") for s in subreddits if s and s.strip()]
        if not subs:
            raise ValueError(f"reddit source {name!r}: list at least one subreddit")
        self.name, self.subreddits, self.matcher = name, subs, KeywordMatcher(keywords)
        self._login = (client_id, client_secret, user_agent, username, password, base_url)
        self.brand = (username or "").lower()
        self.site_url = (base_url or REDDIT_URL).rstrip("/")
        self.poll_interval, self.max_backoff = poll_interval, max_backoff
        self.first_run_limit, self.max_items = first_run_limit, max_items
        self.on_error = on_error
        self.reach = FollowerLookup(name, ttl=follower_ttl, quiet=lookup_quiet)
        self._wake = asyncio.Event()

    def poll_now(self) -> None:
        """Cut the current wait short (tests, or an operator who knows better)."""
        self._wake.set()

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        state = RedditCursor.load(cursor, self.name)
        http = QuickLookups()
        reddit = make_reddit(*self._login, http=http)
        failures, saved = 0, state.dump()
        try:
            while True:
                self._wake.clear()
                wait = self.poll_interval
                for kind in KINDS:
                    try:
                        fresh = await asyncio.to_thread(self._read, reddit, kind, state.marks[kind])
                    except prawcore.TooManyRequests as exc:
                        wait = max(wait, rate_limit_wait(exc, self.poll_interval))
                        log.warning("reddit %s: rate limited; next poll in %.1f s", self.name, wait)
                        break
                    except TRANSIENT as exc:
                        failures += 1
                        wait = min(self.max_backoff, self.poll_interval * 2.0 ** failures)
                        log.warning("reddit %s: reading %s failed (%r); next poll in %.0f s",
                                    self.name, "submissions" if kind == SUBMISSION else "comments", exc, wait)
                        break
                    for data in fresh:
                        mention = self._advance(kind, data, state.marks[kind])
                        if mention is not None:
                            mention = await self._with_reach(reddit, mention)
                            saved = state.dump()
                            yield SourceItem(mention, saved)
                else:
                    failures = 0
                wait = max(wait, self.reach.rate_limited_for())
                if state.dump() != saved:  # only noise since the last mention: still move the cursor
                    saved = state.dump()
                    yield SourceItem(None, saved)
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass
        finally:
            http.close()

    async def _with_reach(self, reddit: praw.Reddit, mention: Mention) -> Mention:
        count = self.reach.cached(mention.author.handle)
        if count is None:
            count = await asyncio.to_thread(self.reach.followers, reddit, mention.author.handle)
        return mention.model_copy(update={"author": mention.author.model_copy(update={"followers": count})})

    def _read(self, reddit: praw.Reddit, kind: str, mark: Mark) -> list[dict]:
        """Everything newer than `mark`, oldest first (runs in a thread)."""
        subreddit = reddit.subreddit("+".join(self.subreddits))
        limit = self.first_run_limit if mark.at is None else self.max_items
        listing = subreddit.new(limit=limit) if kind == SUBMISSION else subreddit.comments(limit=limit)
        fresh, count, reached = [], 0, mark.at is None
        for thing in listing:
            count += 1
            data = dict(vars(thing))
            created, name = created_of(data), data.get("name")
            if created is not None and mark.at is not None and created < mark.at:
                reached = True
                break
            if created is None or not isinstance(name, str) or mark.is_new(name, created):
                fresh.append(data)
        if not reached and count >= limit:
            log.warning("reddit %s: more than %d new %s since the last poll; older ones may be missed",
                        self.name, limit, "submissions" if kind == SUBMISSION else "comments")
        fresh.reverse()
        return fresh

    def _advance(self, kind: str, data: dict, mark: Mark) -> Mention | None:
        created, name = created_of(data), data.get("name")
        if created is not None and isinstance(name, str):
            mark.advance(name, created)
        if self.brand and thing_author(data).lower() == self.brand:
            return None
        if not self.matcher.matches(thing_text(kind, data)):
            return None
        mention = to_mention(kind, data, self.site_url)
        if isinstance(mention, str):
            log.warning("reddit %s: skipped: %s", self.name, mention)
            if self.on_error is not None:
                self.on_error(mention)
            return None
        return mention


class RedditPublisher:
    """Comments as the brand account under a submission (t3_) or a comment (t1_)."""

    network = NETWORK
    length_limit = 10_000
    check = reddit_check.check_publisher  # -> str: token valid, me() is the brand; raises SourceCheckFailed

    def __init__(self, client_id: str, client_secret: str | None, user_agent: str, username: str, password: str,
                 *, base_url: str | None = None, max_rate_limit_wait: float = 120.0,
                 recent_comments: int = 100) -> None:
        if not username or not password:
            raise ValueError("the Reddit publisher needs the brand account's username and password")
        self.username = username
        self.site_url = (base_url or REDDIT_URL).rstrip("/")
        self._http = requests.Session()
        self._reddit = make_reddit(client_id, client_secret, user_agent, username, password, base_url, self._http)
        self._max_wait, self._recent = max_rate_limit_wait, recent_comments
        self._lock = asyncio.Lock()
        self._posted: dict[str, PostedReply] = {}  # idempotency key -> reply made by this process

    async def close(self) -> None:
        self._http.close()

    def _posted_reply(self, data: dict) -> PostedReply:
        permalink = str(data.get("permalink") or "")
        return PostedReply(NETWORK, str(data.get("name") or f"t1_{data.get('id')}"),
                           self.site_url + permalink if permalink.startswith("/") else None)

    @staticmethod
    def _target(target: Mention) -> str:
        fullname = target.reply_ref.get("fullname") or target.external_id
        if target.network != NETWORK or fullname[:3] not in (SUBMISSION + "_", COMMENT + "_"):
            raise PermanentFailure(f"{target.network} post {target.external_id!r} is not a Reddit submission "
                                   "(t3_) or comment (t1_); the Reddit publisher cannot answer it")
        return fullname

    def _post(self, fullname: str, text: str) -> dict | None:
        kind, _, thing_id = fullname.partition("_")
        thing = self._reddit.submission(thing_id) if kind == SUBMISSION else self._reddit.comment(thing_id)
        made = thing.reply(text)
        return dict(vars(made)) if made is not None else None

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply:
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        if not text.strip() or len(text) > self.length_limit:
            raise PermanentFailure(f"a Reddit reply needs 1 to {self.length_limit} characters; this one has {len(text)}")
        fullname = self._target(target)
        async with self._lock:
            if idempotency_key in self._posted:
                return self._posted[idempotency_key]
            made = await self._post_once(fullname, text, target, idempotency_key)
            self._posted[idempotency_key] = made
            return made

    async def _post_once(self, fullname: str, text: str, target: Mention, key: str) -> PostedReply:
        waited = False
        while True:
            try:
                data = await asyncio.to_thread(self._post, fullname, text)
            except PostUncertain as exc:
                return await self._look_after(target, key, str(exc))
            except prawcore.TooManyRequests as exc:
                delay = rate_limit_wait(exc, self._max_wait + 1)
                if waited or delay > self._max_wait:
                    raise
                log.warning("reddit: rate limited; waiting %.1f s before replying to %s", delay, fullname)
                await asyncio.sleep(delay)
                waited = True
                continue
            except RedditAPIException as exc:
                if any(item.error_type == "RATELIMIT" for item in exc.items):
                    raise  # minutes away: the outbox retries later
                raise PermanentFailure(f"Reddit refused the reply to {fullname}: {exc}") from exc
            except (prawcore.Forbidden, prawcore.NotFound) as exc:
                raise PermanentFailure(f"Reddit refused the reply to {fullname}: {exc}") from exc
            if data is None:  # Reddit made the comment but did not return it (quarantined subreddit)
                return await self._look_after(target, key, "Reddit returned no comment")
            return self._posted_reply(data)

    async def _look_after(self, target: Mention, key: str, why: str) -> PostedReply:
        try:
            found = await self._find(self._target(target))
        except TRANSIENT as exc:
            raise PublishUncertain(f"reply to {target.external_id}: {why}; checking for it failed: {exc!r}") from exc
        if found is None:
            raise PublishUncertain(f"reply to {target.external_id}: {why}; no reply is visible yet")
        return found

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        """The brand's reply to `target` among its recent comments, if any.
        Reddit has no idempotency keys, so any brand comment under the target counts."""
        fullname = self._target(target)
        async with self._lock:
            if idempotency_key in self._posted:
                return self._posted[idempotency_key]
            return await self._find(fullname)

    async def _find(self, fullname: str) -> PostedReply | None:
        def recent() -> list[dict]:
            redditor = self._reddit.redditor(self.username)
            return [dict(vars(c)) for c in redditor.comments.new(limit=self._recent)]

        for data in await asyncio.to_thread(recent):
            if data.get("parent_id") == fullname:
                return self._posted_reply(data)
        return None
