"""Follower counts for the firehose source, from a public AppView.

The firehose carries records, not profiles, so a kept post names its author
without reach. `app.bsky.actor.getProfiles` on a public AppView (such as
https://public.api.bsky.app) answers without a login. Counts are cached for
an hour; a failed lookup costs only the count (the mention keeps 0) and the
next attempt waits a minute.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict

import httpx

from bot.ports import SourceItem
from bot.types import Mention
from integrations.social.bluesky.identity import HandleCache
from integrations.social.bluesky.notif_parse import Profile, parse_profile
from integrations.social.bluesky.records import CursorTick, PostCandidate, PostDeleted, parse_post_record

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = 60.0


class ProfileLookup:
    def __init__(self, http: httpx.AsyncClient, appview_url: str, ttl: float = 3600.0, size: int = 10_000) -> None:
        self.http, self.url = http, appview_url.rstrip("/") + "/xrpc/app.bsky.actor.getProfiles"
        self.ttl, self.size = ttl, size
        self._cache: OrderedDict[str, tuple[float, Profile]] = OrderedDict()
        self._quiet_until = 0.0

    async def profile(self, did: str) -> Profile | None:
        now = time.monotonic()
        cached = self._cache.get(did)
        if cached is not None and cached[0] > now:
            return cached[1]
        if now < self._quiet_until:
            return None
        try:
            response = await self.http.get(self.url, params={"actors": did})
            response.raise_for_status()
            entries = response.json().get("profiles")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            self._quiet_until = now + RETRY_AFTER_FAILURE
            log.warning("bluesky: no follower count for %s from %s (%s)", did, self.url, exc)
            return None
        for found_did, profile in filter(None, map(parse_profile, entries if isinstance(entries, list) else [])):
            self._cache[found_did] = (now + self.ttl, profile)
            self._cache.move_to_end(found_did)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        cached = self._cache.get(did)
        return cached[1] if cached is not None else None

    async def with_reach(self, did: str, mention: Mention) -> Mention:
        """The mention with the author's followers, display name and verification, when known."""
        profile = await self.profile(did)
        if profile is None:
            return mention
        author = mention.author.model_copy(update={
            "followers": profile.followers, "name": profile.name or mention.author.name,
            "verified": profile.verified})
        return mention.model_copy(update={"author": author})


async def stream_item(event, cursor: str | None, handles: HandleCache,
                      profiles: ProfileLookup | None) -> SourceItem | None:
    """A firehose or Jetstream event as the source's item: a kept post with its
    author's handle and reach, a deletion, or a cursor tick (None: nothing to say)."""
    if isinstance(event, CursorTick):
        return SourceItem(None, cursor)
    if isinstance(event, PostDeleted):
        return SourceItem(None, cursor, deleted_id=event.uri)
    assert isinstance(event, PostCandidate)
    mention = parse_post_record(event.did, event.rkey, event.cid, event.record,
                                await handles.handle(event.did), event.time)
    if mention is not None and profiles is not None:
        mention = await profiles.with_reach(event.did, mention)
    return SourceItem(mention, cursor) if mention or cursor else None  # an unusable post still moves the cursor
