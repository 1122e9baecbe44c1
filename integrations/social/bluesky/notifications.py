"""Bluesky: direct mentions, replies and quotes of the brand account, from the
AppView's `app.bsky.notification.listNotifications`.

The firehose source sees every post naming the brand; this one needs no
firehose at all and catches what the AppView counts as aimed at the brand
(a reply without the handle in it, a quote). Both map posts with
`parse_post_record`, so a post seen by both has the same `external_id` and the
pipeline stores it once.

Calls go to the brand's PDS, which forwards `app.bsky.*` to its AppView. With
`appview_url` (or `appview_did`) they carry an `atproto-proxy` header naming
another AppView; the PDS then forwards there, signing for the account.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import httpx
from atproto import models
from atproto_client.exceptions import AtProtocolError, RateLimitExceededError, UnauthorizedError

from bot.ports import SourceItem
from integrations.social.bluesky import notif_check as bluesky_notif_check
from integrations.social.bluesky.notif_cursor import NotificationCursor, parse_time
from integrations.social.bluesky.notif_parse import Notice, Profile, parse_notification, parse_profile, to_mention
from integrations.social.bluesky.records import NETWORK
from integrations.social.bluesky.reply import rate_limit_delay
from integrations.social.bluesky.session import BrandSession, error_words

log = logging.getLogger(__name__)
REASONS = ("mention", "reply", "quote")
PAGE_SIZE = 100  # the most listNotifications gives per page
PROFILES_PER_CALL = 25  # the most getProfiles takes per call
MAX_BACKOFF = 300.0


class BlueskyMentionsSource:
    """Polls the brand's notifications every `poll_interval` seconds.

    Yields one item per new mention, reply or quote, oldest first, each with the
    cursor to save after it (see `bluesky_notif_cursor`). Without a saved cursor
    it starts `backfill` seconds back. Errors back off (up to 5 minutes); a 429
    waits until its `ratelimit-reset`.
    """

    network = NETWORK
    check = bluesky_notif_check.check_mentions_source  # -> str; raises SourceCheckFailed

    def __init__(self, name: str, service_url: str, handle: str, password: str, *,
                 appview_url: str | None = None, appview_did: str | None = None,
                 poll_interval: float = 15.0, session_string: str | None = None,
                 backfill: float = 3600.0, lookback: float = 600.0, max_pages: int = 20,
                 profile_ttl: float = 3600.0, session: BrandSession | None = None) -> None:
        if poll_interval <= 0:
            raise ValueError(f"Bluesky mentions source {name!r}: poll_interval must be above 0 seconds")
        self.name = name
        # Pass the publisher's session: one login serves both (Bluesky limits logins).
        self.session = session or BrandSession(service_url, handle, password, session_string)
        self.appview_url = appview_url.rstrip("/") if appview_url else None
        self.appview_did = appview_did
        self.poll_interval, self.backfill, self.lookback = poll_interval, backfill, lookback
        self.max_pages, self._profile_ttl = max_pages, profile_ttl
        self._profiles: OrderedDict[str, tuple[float, Profile]] = OrderedDict()

    @property
    def service_url(self) -> str:
        return self.session.service_url

    @property
    def session_string(self) -> str | None:
        """Store this between runs and pass it back: Bluesky limits password logins."""
        return self.session.session_string

    async def close(self) -> None:
        await self.session.close()

    # -- which AppView ------------------------------------------------------

    async def proxy_header(self) -> dict[str, str]:
        """{} to use the PDS's own AppView, else the `atproto-proxy` header for the chosen one."""
        if self.appview_did is None and self.appview_url:
            self.appview_did = await appview_did_of(self.appview_url)
        return {"atproto-proxy": f"{self.appview_did}#bsky_appview"} if self.appview_did else {}

    # -- the loop -----------------------------------------------------------

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        options = {"lookback": timedelta(seconds=self.lookback)}
        if cursor:
            state = NotificationCursor.parse(cursor, f"Bluesky mentions source {self.name!r}", **options)
        else:
            state = NotificationCursor(datetime.now(timezone.utc) - timedelta(seconds=self.backfill), **options)
        failures = 0
        while True:
            try:
                fresh = await self.fetch_new(state)
                profiles = await self.profiles({n.author_did for n in fresh})
                failures = 0
            except RateLimitExceededError as exc:
                delay = rate_limit_delay(exc.reset_at, exc.retry_after)
                log.warning("bluesky mentions %s: rate limited; next poll in %.0f s", self.name, delay)
                await asyncio.sleep(delay)
                continue
            except (AtProtocolError, httpx.HTTPError, ValueError) as exc:
                failures += 1
                delay = min(self.poll_interval * 2 ** failures, MAX_BACKOFF)
                level = logging.ERROR if isinstance(exc, UnauthorizedError) or failures >= 3 else logging.WARNING
                log.log(level, "bluesky mentions %s: polling failed (%s); retrying in %.0f s",
                        self.name, error_words(exc), delay)
                await asyncio.sleep(delay)
                continue
            for notice in fresh:
                state.add(notice.uri, notice.at)
                yield SourceItem(to_mention(notice, profiles.get(notice.author_did)), state.encode())
            await asyncio.sleep(self.poll_interval)

    async def query(self, method: str, params, headers: dict[str, str]) -> dict:
        """One XRPC query as plain JSON (see bluesky_notif_parse for why not the SDK's models)."""
        client = self.session.client
        answer = await self.session.call(lambda: client.invoke_query(method, params=params, headers=headers))
        if not isinstance(answer.content, dict):
            raise ValueError(f"{method} answered without a JSON object")
        return answer.content

    async def fetch_new(self, state: NotificationCursor) -> list[Notice]:
        """The notifications not handled yet, oldest first, paging back to the cursor's floor."""
        headers = await self.proxy_header()
        found: dict[str, Notice] = {}
        page_cursor: str | None = None
        for _ in range(self.max_pages):
            params = models.AppBskyNotificationListNotifications.Params(
                limit=PAGE_SIZE, reasons=list(REASONS), priority=False, cursor=page_cursor)
            page = await self.query("app.bsky.notification.listNotifications", params, headers)
            entries = page.get("notifications") if isinstance(page.get("notifications"), list) else []
            reached_floor = False
            for notice in filter(None, map(parse_notification, entries)):
                if state.is_done(notice.at):
                    reached_floor = True  # newest first: the rest is older still
                    break
                # `reasons` is a filter the AppView may ignore; keep only what is aimed at the brand.
                if notice.reason in REASONS and state.is_new(notice.uri, notice.at):
                    found.setdefault(notice.uri, notice)
            page_cursor = page.get("cursor") if isinstance(page.get("cursor"), str) else None
            if reached_floor or not page_cursor:
                break
            # The AppView's cursor is the sort time it stopped at (a page filtered empty still has one).
            cursor_time = parse_time(page_cursor)
            if cursor_time is not None and state.is_done(cursor_time):
                break
        else:
            log.warning("bluesky mentions %s: more than %d pages of notifications since %s; older ones are "
                        "skipped", self.name, self.max_pages, state.floor.isoformat())
        return sorted(found.values(), key=lambda notice: (notice.at, notice.uri))

    async def profiles(self, dids: set[str]) -> dict[str, Profile]:
        """Follower counts from `getProfiles` (cached); a failed lookup only costs the counts."""
        now = time.monotonic()
        known = {d: self._profiles[d][1] for d in dids if d in self._profiles and self._profiles[d][0] > now}
        missing = sorted(dids - known.keys())
        headers = await self.proxy_header() if missing else {}
        for start in range(0, len(missing), PROFILES_PER_CALL):
            batch = missing[start:start + PROFILES_PER_CALL]
            try:
                answer = await self.query("app.bsky.actor.getProfiles",
                                           models.AppBskyActorGetProfiles.Params(actors=batch), headers)
            except RateLimitExceededError:
                raise
            except (AtProtocolError, httpx.HTTPError, ValueError) as exc:
                log.warning("bluesky mentions %s: no follower counts for %d author(s) (%s)",
                            self.name, len(batch), error_words(exc))
                continue
            entries = answer.get("profiles") if isinstance(answer.get("profiles"), list) else []
            for did, profile in filter(None, map(parse_profile, entries)):
                known[did] = profile
                self._profiles[did] = (now + self._profile_ttl, profile)
                self._profiles.move_to_end(did)
        while len(self._profiles) > 10_000:
            self._profiles.popitem(last=False)
        return known


async def appview_did_of(appview_url: str) -> str:
    """The AppView's DID from its `/.well-known/did.json` (did:web AppViews publish one)."""
    url = f"{appview_url.rstrip('/')}/.well-known/did.json"
    async with httpx.AsyncClient(timeout=5.0) as http:
        response = await http.get(url)
    try:
        document = response.json() if response.status_code == 200 else None
    except ValueError:
        document = None
    did = document.get("id") if isinstance(document, dict) else None
    services = document.get("service") if isinstance(document, dict) else None
    serves = isinstance(services, list) and any(
        isinstance(s, dict) and str(s.get("id", "")).endswith("#bsky_appview") for s in services)
    if not isinstance(did, str) or not did.startswith("did:") or not serves:
        raise ValueError(f"{url} answered HTTP {response.status_code} without a DID document naming a "
                         "#bsky_appview service: set appview_did to the AppView's DID instead")
    return did
