"""Every Salesforce call goes through here: paced, run off the event loop
(simple-salesforce is synchronous), logged in again when the access token
has expired, and its errors put in the port's terms. REQUEST_LIMIT_EXCEEDED
(the org's rolling 24-hour API quota) pauses every call for an hour; the
Sforce-Limit-Info header is watched so Rejoinder slows down before the quota
runs out and leaves the rest of it to the org's other integrations."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from bot.ports import CrmUnavailable
from integrations.crm.pacing import Pacer

log = logging.getLogger(__name__)
QUOTA_PAUSE = 3600.0
RESERVE = 0.05  # below 5 % of the daily quota left, pace down to one call a minute
MAX_INLINE_WAIT = 10.0


class NotFound(Exception):
    pass


def _code(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    return ""


def _message(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return f"{content[0].get('errorCode', '')}: {content[0].get('message', '')}"
    return str(content)[:200]


class Calls:
    def __init__(self, pacer: Pacer, login: Callable[[], Salesforce]) -> None:
        self.pacer, self.login = pacer, login
        self.sf: Salesforce | None = None

    async def client(self) -> Salesforce:
        if self.sf is None:
            self.sf = await asyncio.to_thread(self.login)
        return self.sf

    async def __call__(self, fn: Callable[[Salesforce], object]):
        """`fn(sf)` runs in a thread with a logged-in client."""
        for attempt in range(2):
            try:
                await self.pacer.turn(max_wait=MAX_INLINE_WAIT)
            except TimeoutError as exc:
                raise CrmUnavailable(f"Salesforce {exc}", self.pacer.paused_for()) from None
            sf = await self.client()
            try:
                result = await asyncio.to_thread(fn, sf)
            except SalesforceExpiredSession:
                self.sf = None  # log in again and repeat the call once
                if attempt:
                    raise CrmUnavailable("Salesforce keeps refusing fresh access tokens (INVALID_SESSION_ID)") from None
                continue
            except SalesforceResourceNotFound as exc:
                raise NotFound(_message(exc)) from None
            except SalesforceRefusedRequest as exc:
                if _code(exc) == "REQUEST_LIMIT_EXCEEDED":
                    log.warning("Salesforce API quota exhausted: pausing writes for %.0f s", QUOTA_PAUSE)
                    self.pacer.pause(QUOTA_PAUSE)
                    raise CrmUnavailable("Salesforce API quota exceeded (REQUEST_LIMIT_EXCEEDED)", QUOTA_PAUSE) from None
                raise CrmUnavailable(f"Salesforce refused (403): {_message(exc)}") from None
            except SalesforceError as exc:
                if exc.status >= 500:
                    raise CrmUnavailable(f"Salesforce answered {exc.status}: {_message(exc)}") from None
                raise
            except requests.RequestException as exc:
                raise CrmUnavailable(f"Salesforce did not answer: {type(exc).__name__}") from exc
            self._watch_quota(sf)
            return result
        raise CrmUnavailable("Salesforce session could not be renewed")

    def _watch_quota(self, sf: Salesforce) -> None:
        usage = sf.api_usage.get("api-usage")
        if usage is not None and usage.total and (usage.total - usage.used) / usage.total < RESERVE:
            self.pacer.pause(60.0)
