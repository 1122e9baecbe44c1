"""Slack user groups ("subteams", ids like S0123ABC) of a person, so that
`roles.groups` in the workspace file can grant roles.

One `usergroups.list` call with `include_users` answers for everybody; it is
kept for `ttl` seconds and fetched again lazily by the next lookup after
that. A failed call is logged and counts as "no groups": a click still goes
through, with the roles the person has without their groups.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 300.0
FAILURE_RETRY_SECONDS = 30.0  # a failing call (missing scope, rate limit) is not retried on every click


class SlackUserGroups:
    def __init__(self, client: AsyncWebClient, ttl: float = GROUP_CACHE_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ttl < 0:
            raise ValueError(f"slack user group cache: ttl must be 0 or more seconds, got {ttl}")
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._members: dict[str, tuple[str, ...]] = {}  # user id -> group ids
        self._expires: float | None = None  # None: never fetched
        self._lock = asyncio.Lock()

    async def of(self, user_id: str) -> tuple[str, ...]:
        """The ids of the enabled user groups `user_id` belongs to, sorted."""
        if not self._fresh():
            async with self._lock:  # clicks arriving together share one call
                if not self._fresh():
                    await self._refresh()
        return self._members.get(user_id, ())

    def forget(self) -> None:
        """Fetch again on the next lookup."""
        self._expires = None

    def _fresh(self) -> bool:
        return self._expires is not None and self.clock() < self._expires

    async def _refresh(self) -> None:
        try:
            response = await self.client.usergroups_list(include_users=True)
        except (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            reason = error.response.get("error") if isinstance(error, SlackApiError) else repr(error)
            log.warning("usergroups.list failed (%s); group roles are ignored until it works again", reason)
            self._fail()
            return
        members: dict[str, set[str]] = {}
        for group in response.get("usergroups") or []:
            if group.get("date_delete"):  # disabled groups grant nothing
                continue
            for user_id in group.get("users") or []:
                members.setdefault(user_id, set()).add(group["id"])
        self._members = {user_id: tuple(sorted(ids)) for user_id, ids in members.items()}
        self._expires = self.clock() + self.ttl

    def _fail(self) -> None:
        self._members = {}
        self._expires = self.clock() + min(self.ttl, FAILURE_RETRY_SECONDS)
