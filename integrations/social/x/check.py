"""`check()` for X: the bearer token reads the filtered-stream rules and the
brand account; the OAuth 1.0a keys say whose they are (`get_me`). Fresh
clients with short timeouts; nothing is posted and no rule is changed."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import requests
import tweepy

from bot.ports import SourceCheckFailed
from integrations.social.common.reach_check import TIMEOUT, unreachable
from integrations.social.x.http import X_HOST, ApiAdapter, FilteredStream, make_client

if TYPE_CHECKING:  # x.py and x_reply.py import this module
    from integrations.social.x.network import XSource
    from integrations.social.x.reply import XPublisher

BEARER = ("bearer_token",)
USER_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class _ShortAdapter(ApiAdapter):
    """tweepy sets no timeout at all; a check waits at most TIMEOUT."""

    def send(self, request, stream=False, **kwargs):
        kwargs["timeout"] = TIMEOUT
        return super().send(request, stream=stream, **kwargs)


def _shorten(session: requests.Session, api_base_url: str | None) -> None:
    session.mount(X_HOST + "/", _ShortAdapter(api_base_url))


def _problem(exc: Exception, base: str, what: str, fix: str, credentials: tuple[str, ...]) -> SourceCheckFailed:
    if isinstance(exc, requests.RequestException):
        return unreachable(base, exc)
    if isinstance(exc, tweepy.Unauthorized):
        return SourceCheckFailed(f"X rejected {what} (401): {fix}", credentials)
    if isinstance(exc, tweepy.Forbidden):
        why = "; ".join(exc.api_messages)[:200] or "no reason given"
        return SourceCheckFailed(f"X refused the request (403: {why}): the app's access level may not include "
                                 "this endpoint", credentials)
    if isinstance(exc, tweepy.TooManyRequests):
        return SourceCheckFailed("X rate limited the check (429): try again in a few minutes")
    status = getattr(getattr(exc, "response", None), "status_code", "?")
    return SourceCheckFailed(f"X answered HTTP {status}: {exc}"[:300])


def _verify_source(source: XSource) -> str:
    base = source.api_base_url or X_HOST
    client = make_client(bearer_token=source._bearer, api_base_url=source.api_base_url)
    rules = FilteredStream(source._bearer, source.api_base_url)
    for session in (client.session, rules.session):
        _shorten(session, source.api_base_url)
    try:
        listed = rules.get_rules().get("data") or []
        user = client.get_user(id=source.brand_user_id)
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise _problem(exc, base, "the bearer token", "copy the app's bearer token from the developer portal",
                       BEARER) from None
    finally:
        client.session.close()
        rules.session.close()
    data = user.get("data") if isinstance(user, dict) else None
    if not isinstance(data, dict):
        raise SourceCheckFailed(f"brand_user_id {source.brand_user_id} is not a known X user: use the numeric id "
                                "of the brand account")
    ours = sum(1 for r in listed if isinstance(r, dict) and r.get("tag") == source.rule_tag)
    return (f"bearer token valid on {base}; brand account @{data.get('username')}; stream rules readable "
            f"({ours} set for this source, {len(source.rules)} configured)")


def _verify_publisher(publisher: XPublisher) -> str:
    own = publisher._client
    adapter = own.session.get_adapter(X_HOST + "/")
    api_base_url = getattr(adapter, "api_base_url", None)
    client = make_client(consumer_key=own.consumer_key, consumer_secret=own.consumer_secret,
                         access_token=own.access_token, access_token_secret=own.access_token_secret,
                         api_base_url=api_base_url)
    _shorten(client.session, api_base_url)
    try:
        body = client.get_me(user_auth=True)
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise _problem(exc, api_base_url or X_HOST, "the OAuth 1.0a keys", "check the app's consumer key and "
                       "secret and the brand account's access token and secret", USER_KEYS) from None
    finally:
        client.session.close()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data.get("username"):
        raise SourceCheckFailed("X did not say which account the OAuth keys belong to")
    return f"signed in as @{data['username']} (id {data.get('id')}) on {api_base_url or X_HOST}"


async def check_source(source: XSource) -> str:
    if not source._bearer:
        raise SourceCheckFailed("no bearer token is set", BEARER)
    return await asyncio.to_thread(_verify_source, source)


async def check_publisher(publisher: XPublisher) -> str:
    return await asyncio.to_thread(_verify_publisher, publisher)
