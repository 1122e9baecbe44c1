"""Every HubSpot call goes through here: paced to the app's documented limit,
run off the event loop (the official client is synchronous), and its errors
turned into the port's terms. A 429 pauses every caller for as long as
HubSpot says (Retry-After, or the policy's interval); the daily policy
pauses writes until the quota comes back, and they stay queued meanwhile."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import HTTPError as Urllib3Error

from bot.ports import CrmUnavailable
from integrations.crm.pacing import Pacer

log = logging.getLogger(__name__)
MAX_INLINE_WAIT = 10.0  # longer pauses hand the work back to the outbox, which retries later
DAILY_PAUSE = 3600.0  # HubSpot's daily quota resets at midnight in the account's time zone: look again hourly


class NotFound(Exception):
    pass


class Conflict(Exception):
    """409: e.g. a unique property already holds this value (a write that did happen)."""


def _retry_after(exc: Any) -> tuple[float, str]:
    headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
    policy = ""
    try:
        policy = json.loads(getattr(exc, "body", "") or "{}").get("policyName", "")
    except (ValueError, AttributeError):
        pass
    if policy == "DAILY" or headers.get("x-hubspot-ratelimit-daily-remaining") == "0":
        return DAILY_PAUSE, "DAILY"
    if "retry-after" in headers:
        try:
            return float(headers["retry-after"]), policy
        except ValueError:
            pass
    interval = headers.get("x-hubspot-ratelimit-interval-milliseconds")
    return (float(interval) / 1000 if interval else 1.0), policy


def _reason(exc: Any) -> str:
    try:
        body = json.loads(getattr(exc, "body", "") or "{}")
    except ValueError:
        body = {}
    return body.get("message") or getattr(exc, "reason", None) or type(exc).__name__


class Calls:
    def __init__(self, pacer: Pacer, timeout_s: float) -> None:
        self.pacer, self.timeout_s = pacer, timeout_s

    async def __call__(self, fn: Callable, *args, **kwargs):
        for _attempt in range(4):
            try:
                await self.pacer.turn(max_wait=MAX_INLINE_WAIT)
            except TimeoutError as exc:
                raise CrmUnavailable(f"HubSpot {exc}", self.pacer.paused_for()) from None
            try:
                return await asyncio.to_thread(fn, *args, _request_timeout=self.timeout_s, **kwargs)
            except Urllib3Error as exc:
                raise CrmUnavailable(f"HubSpot did not answer: {type(exc).__name__}") from exc
            except Exception as exc:  # the client raises one ApiException class per API package
                status = getattr(exc, "status", None)
                if status is None or not hasattr(exc, "body"):
                    raise
                if status == 429:
                    wait, policy = _retry_after(exc)
                    log.warning("HubSpot rate limit (%s): pausing %.1fs", policy or "429", wait)
                    self.pacer.pause(wait)
                    continue
                if status == 404:
                    raise NotFound(_reason(exc)) from None
                if status == 409:
                    raise Conflict(_reason(exc)) from None
                if status == 401:
                    raise CrmUnavailable("HubSpot rejected the token (401): check the private app's access token") from None
                if status == 403:
                    raise CrmUnavailable(f"HubSpot refused (403), a scope may be missing: {_reason(exc)}") from None
                if status >= 500 or status == 0:
                    raise CrmUnavailable(f"HubSpot answered {status}: {_reason(exc)}") from None
                raise
        raise CrmUnavailable("HubSpot is still rate limiting", self.pacer.paused_for())
