"""Replies on X as the brand account (OAuth 1.0a user context, through tweepy).

X has no idempotency key for posts. A reply is never sent twice because:
the same key in this process returns the reply already made; after a lost
answer (network error, 5xx) the brand's recent tweets are searched for a reply
to the target before anything is sent again (`find_reply`, which the outbox
also calls first on every retry); and X refuses a duplicate text, which is
taken as "already posted" once the reply is found. `find_reply` cannot tell
two different replies to one tweet apart (a tweet carries no key): it
returns the newest.

An edited tweet is answered in its latest version (`reply_ref["reply_to_id"]`,
set by the source); a reply to any version counts when looking for one.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import tweepy

from bot.ports import PublishUncertain
from bot.types import Mention, PostedReply
from integrations.social.x import check as x_check
from integrations.social.x.http import make_client, rate_limit_delay
from integrations.social.x.parse import LENGTH_LIMIT, NETWORK, parse_page, tweet_url, weighted_length

log = logging.getLogger(__name__)
T = TypeVar("T")
LOST = (requests.ConnectionError, requests.Timeout, tweepy.TwitterServerError)


def reply_target(target: Mention) -> str:
    """The tweet id to answer: the latest version of an edited tweet, else the tweet."""
    latest = (target.reply_ref or {}).get("reply_to_id")
    return latest if isinstance(latest, str) and latest.isdigit() else target.external_id


class XPublisher:
    network = NETWORK
    length_limit = LENGTH_LIMIT

    def __init__(self, consumer_key: str, consumer_secret: str, access_token: str, access_token_secret: str, *,
                 api_base_url: str | None = None, max_rate_limit_wait: float = 900.0, find_pages: int = 3) -> None:
        self._client = make_client(consumer_key=consumer_key, consumer_secret=consumer_secret,
                                   access_token=access_token, access_token_secret=access_token_secret,
                                   api_base_url=api_base_url)
        self._max_wait, self._find_pages = max_rate_limit_wait, find_pages
        self._me: dict | None = None
        self._made: dict[tuple[str, str], PostedReply] = {}  # (target, key) -> reply, in this process

    @property
    def account(self) -> dict | None:
        return self._me

    async def close(self) -> None:
        self._client.session.close()

    async def check(self) -> str:
        """The OAuth 1.0a keys are accepted and belong to an account (get_me; nothing is posted)."""
        return await x_check.check_publisher(self)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call in a thread; a 429 waits until x-rate-limit-reset, then tries once more."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except tweepy.TooManyRequests as exc:
            delay = rate_limit_delay(exc)
            if delay > self._max_wait:
                raise
            log.warning("x: rate limited; waiting %.1f s for the reset", delay)
            await asyncio.sleep(delay)
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def connect(self) -> None:
        if self._me is None:
            body = await self._call(self._client.get_me, user_auth=True)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not data.get("id") or not data.get("username"):
                raise ValueError(f"X did not say which account these credentials belong to: {body!r}"[:300])
            self._me = {"id": str(data["id"]), "username": str(data["username"])}

    def _posted(self, tweet_id: str) -> PostedReply:
        return PostedReply(NETWORK, tweet_id, tweet_url(self._me["username"], tweet_id))

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply:
        if target.network != NETWORK:
            raise ValueError(f"mention {target.external_id!r} is from {target.network}, not X")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("X reply text is empty")
        length = weighted_length(text)
        if length > LENGTH_LIMIT:
            raise ValueError(f"X reply is {length} characters long as X counts them; X allows {LENGTH_LIMIT}")
        done = self._made.get((target.external_id, idempotency_key))
        if done is not None:
            return done
        await self.connect()
        try:
            body = await self._call(self._client.create_tweet, text=text, in_reply_to_tweet_id=reply_target(target))
        except LOST as exc:
            return await self._after_lost_answer(target, idempotency_key, exc)
        except tweepy.Forbidden as exc:
            if not any("duplicate" in str(m).lower() for m in exc.api_messages):
                raise
            # X refuses a repeated text: after a lost answer this is our own reply.
            found = await self.find_reply(target, idempotency_key)
            if found is None:
                raise ValueError(f"X refused the reply to {target.external_id} as a duplicate of an earlier "
                                 "tweet by the brand; change the text") from exc
            self._made[(target.external_id, idempotency_key)] = found
            return found
        tweet_id = str(((body or {}).get("data") or {}).get("id", ""))
        if not tweet_id.isdigit():
            raise PublishUncertain(f"X accepted the reply to {target.external_id} but gave no tweet id: {body!r}"[:300])
        posted = self._made[(target.external_id, idempotency_key)] = self._posted(tweet_id)
        return posted

    async def _after_lost_answer(self, target: Mention, key: str, exc: Exception) -> PostedReply:
        try:
            found = await self.find_reply(target, key)
        except (*LOST, tweepy.TweepyException) as lookup:
            raise PublishUncertain(f"X reply to {target.external_id}: {exc!r}; checking for it failed: "
                                   f"{lookup!r}") from exc
        if found is None:
            raise PublishUncertain(f"X reply to {target.external_id}: {exc!r}; no reply found yet") from exc
        self._made[(target.external_id, key)] = found
        return found

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        """The brand's newest tweet replying to `target`, among its tweets since the target."""
        done = self._made.get((target.external_id, idempotency_key))
        if done is not None:
            return done
        await self.connect()
        token, versions = None, {target.external_id, reply_target(target)}
        for _ in range(self._find_pages):
            extra = {"pagination_token": token} if token else {}
            body = await self._call(self._client.get_users_tweets, self._me["id"], since_id=target.external_id,
                                    max_results=100, tweet_fields=["referenced_tweets", "created_at"],
                                    user_auth=True, **extra)
            page = parse_page(body, "x find_reply")
            for tweet in page.tweets:  # newest first
                refs = tweet.get("referenced_tweets") if isinstance(tweet, dict) else None
                if any(isinstance(r, dict) and r.get("type") == "replied_to" and r.get("id") in versions
                       for r in refs or []):
                    return self._posted(str(tweet["id"]))
            token = page.next_token
            if token is None:
                return None
        return None
