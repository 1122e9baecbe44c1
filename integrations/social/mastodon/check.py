"""`check()` for Mastodon: the instance answers, the access token is accepted
(`verify_credentials`), and each watched hashtag is a valid name whose
timeline can be read. A fresh client with short timeouts; nothing is posted."""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError, MastodonError, MastodonNetworkError, MastodonRatelimitError, MastodonUnauthorizedError,
)

from bot.ports import SourceCheckFailed
from integrations.social.common.reach_check import TIMEOUT, unreachable

if TYPE_CHECKING:  # mastodon.py and mastodon_reply.py import this module
    from integrations.social.mastodon.network import MastodonSource
    from integrations.social.mastodon.reply import MastodonPublisher

TOKEN = ("access_token",)
# Mastodon's rule: letters, digits and underscores, and not only digits.
HASHTAG = re.compile(r"^\w*[^\W\d]\w*$")


def _problem(base: str, what: str, exc: MastodonError) -> SourceCheckFailed:
    if isinstance(exc, MastodonNetworkError):
        return unreachable(base, exc)
    if isinstance(exc, MastodonRatelimitError):
        return SourceCheckFailed(f"Mastodon at {base} rate limited the check (429): try again in a few minutes")
    if isinstance(exc, MastodonUnauthorizedError):
        return SourceCheckFailed(f"Mastodon at {base} rejected the access token (401): create a token with read "
                                 "and write:statuses (Preferences > Development)", TOKEN)
    status = exc.args[1] if isinstance(exc, MastodonAPIError) and len(exc.args) > 1 else None
    if status == 403:
        return SourceCheckFailed(f"Mastodon at {base} refused {what} (403): the access token lacks the read "
                                 "scope; create one with read and write:statuses", TOKEN)
    if status == 404:
        return SourceCheckFailed(f"{base} has no Mastodon API for {what} (404): check api_base_url")
    return SourceCheckFailed(f"{what} at {base} failed: {' '.join(str(a) for a in exc.args[1:]) or exc}")


def _instance(client: Mastodon) -> dict:
    try:
        return client.instance_v2()
    except MastodonAPIError:  # servers before 4.0 have only v1
        return client.instance_v1()


def _verify(base: str, token: str, hashtags: list[str]) -> dict[str, Any]:
    """Runs in a thread: instance, then the token, then each hashtag timeline."""
    # Unlike the live client, a rate limit fails the check instead of waiting for the reset.
    client = Mastodon(api_base_url=base, access_token=token, ratelimit_method="throw", request_timeout=TIMEOUT,
                      version_check_mode="none", user_agent="rejoinder")
    try:
        step = "the instance information"
        instance = _instance(client)
        step = "verify_credentials"
        me = client.account_verify_credentials()
        for tag in hashtags:
            step = f"the #{tag} timeline"
            client.timeline_hashtag(tag, limit=1)
    except MastodonError as exc:
        raise _problem(base, step, exc) from None
    finally:
        client.session.close()
    limit = ((instance.get("configuration") or {}).get("statuses") or {}).get("max_characters")
    return {"acct": str(me.get("acct", "")), "version": instance.get("version", "?"), "limit": limit}


def _need_token(token: str | None) -> str:
    if not token:
        raise SourceCheckFailed("no access token is set", TOKEN)
    return token


async def check_source(source: MastodonSource) -> str:
    token = _need_token(source._token)
    bad = [t for t in source.hashtags if not HASHTAG.match(t)]
    if bad:
        raise SourceCheckFailed(f"#{bad[0]} is not a valid hashtag (letters, digits and _, not only digits): fix "
                                "hashtags in rejoinder.yaml")
    found = await asyncio.to_thread(_verify, source.api_base_url, token, source.hashtags)
    brand, acct = source.brand_account, found["acct"].lower()
    if brand and not (acct == brand or ("@" not in acct and brand.startswith(acct + "@"))):
        raise SourceCheckFailed(f"the access token belongs to @{found['acct']}, not to brand_account @{brand}: "
                                "use the brand account's token or fix brand_account", TOKEN)
    tags = f"; {', '.join('#' + t for t in source.hashtags)} readable" if source.hashtags else ""
    return f"token valid for @{found['acct']} on {source.api_base_url} (Mastodon {found['version']}){tags}"


async def check_publisher(publisher: MastodonPublisher) -> str:
    token = _need_token(publisher._client.access_token)
    found = await asyncio.to_thread(_verify, publisher.api_base_url, token, [])
    limit = f"; posts up to {found['limit']} characters" if found["limit"] else ""
    return f"token valid for @{found['acct']} on {publisher.api_base_url}{limit}"
