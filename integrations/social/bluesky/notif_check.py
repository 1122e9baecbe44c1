"""`check()` for the Bluesky mentions source: the brand account logs in (or
resumes its session) and an AppView answers its notifications. Nothing is posted
and nothing is marked as read."""
from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from atproto import models
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)

from bot.ports import SourceCheckFailed
from integrations.social.common.reach_check import unreachable
from integrations.social.bluesky.session import error_name, error_words

if TYPE_CHECKING:  # bluesky_notifications.py imports this module
    from integrations.social.bluesky.notifications import BlueskyMentionsSource

_NO_APPVIEW = {"UpstreamFailure", "MethodNotImplemented", "XRPCNotSupported", "NotFound"}


async def check_mentions_source(source: BlueskyMentionsSource) -> str:
    session, base = source.session, source.service_url
    try:
        await session.login()
    except NetworkError as exc:
        raise unreachable(base, exc) from None
    except (UnauthorizedError, BadRequestError) as exc:
        raise SourceCheckFailed(f"{base} refused the login of @{session.handle} ({error_words(exc)}): check the "
                                "handle and use an app password (Settings > App passwords)",
                                ("handle", "password")) from None
    except RequestErrorBase as exc:
        raise SourceCheckFailed(f"logging in at {base} failed: {error_words(exc)}") from None
    how = "logged in" if session.password_logins else "resumed the saved session"

    try:
        headers = await source.proxy_header()
    except httpx.HTTPError as exc:
        raise unreachable(source.appview_url or "the AppView", exc) from None
    except ValueError as exc:
        raise SourceCheckFailed(f"appview_url {source.appview_url}: {exc}") from None
    via = f"the AppView {source.appview_did}" if headers else "the PDS's own AppView"

    params = models.AppBskyNotificationListNotifications.Params(limit=1, reasons=["mention", "reply", "quote"])
    try:
        await source.query("app.bsky.notification.listNotifications", params, headers)
    except NetworkError as exc:
        if error_name(exc) in _NO_APPVIEW or getattr(exc.response, "status_code", None) == 502:
            raise SourceCheckFailed(_no_appview(base, via, exc)) from None
        raise unreachable(base, exc) from None
    except RateLimitExceededError:
        raise SourceCheckFailed(f"{base} is rate limiting @{session.handle} right now: try again in a few "
                                "minutes") from None
    except RequestErrorBase as exc:
        if error_name(exc) in _NO_APPVIEW or getattr(exc.response, "status_code", None) in (404, 501):
            raise SourceCheckFailed(_no_appview(base, via, exc)) from None
        if headers and isinstance(exc, BadRequestError):
            raise SourceCheckFailed(f"{base} could not forward to {via} ({error_words(exc)}): check appview_url "
                                    "and appview_did in rejoinder.yaml") from None
        raise SourceCheckFailed(f"listing the notifications of @{session.handle} through {via} failed: "
                                f"{error_words(exc)}") from None
    except ValueError as exc:
        raise SourceCheckFailed(f"{via} gave an unusable answer: {exc}") from None
    return f"{how} as @{session.handle} ({session.did}) on {base}; {via} answers listNotifications"


def _no_appview(base: str, via: str, exc: BaseException) -> str:
    return (f"{base} could not get the notifications from {via} ({error_words(exc)}): the PDS needs an "
            "AppView (set appview_url or appview_did in rejoinder.yaml, or turn notifications off)")
