"""`check()` for Reddit: the app credentials get a token, the subreddits exist
and can be read, and a configured login is the account it names. Read-only:
a fresh client with short timeouts, so a live source or publisher is untouched."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import prawcore
import requests

from bot.ports import SourceCheckFailed
from integrations.social.common.reach_check import TIMEOUT, unreachable

if TYPE_CHECKING:  # reddit.py imports this module
    from integrations.social.reddit.network import RedditPublisher, RedditSource

APP = ("client_id", "client_secret")
LOGIN = ("username", "password")


class _Unreachable(requests.RequestException):
    """A connection failure in a form prawcore does not retry (it would try
    three times, with sleeps in between): a check reports the first one."""


class _ShortSession(requests.Session):
    """prawcore asks for 16 s per request; a check waits at most TIMEOUT."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = min(kwargs.get("timeout") or TIMEOUT, TIMEOUT)
        try:
            return super().request(*args, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Unreachable(str(exc)) from exc


def _token_problem(exc: prawcore.PrawcoreException, username: str | None) -> SourceCheckFailed | None:
    """What a refused token request means, or None when the failure came later."""
    if isinstance(exc, prawcore.OAuthException):  # the password grant was refused
        return SourceCheckFailed(f"Reddit refused the login of u/{username} ({exc.error}): check the username and "
                                 "password (an account with two-factor login cannot log in this way)", LOGIN)
    response = getattr(exc, "response", None)
    if response is not None and "/api/v1/access_token" in str(response.url):
        return SourceCheckFailed(f"Reddit rejected the app's client id and secret ({response.status_code}): "
                                 "copy them from https://www.reddit.com/prefs/apps (a \"script\" app)", APP)
    return None


def _subreddit_problem(name: str, exc: prawcore.PrawcoreException) -> SourceCheckFailed | None:
    if isinstance(exc, (prawcore.NotFound, prawcore.Redirect)):
        return SourceCheckFailed(f"r/{name} does not exist (or is banned): fix subreddits in rejoinder.yaml")
    if isinstance(exc, prawcore.Forbidden):
        return SourceCheckFailed(f"r/{name} is private or quarantined (403): this account cannot read it")
    return None


def _verify(login: tuple, subreddits: list[str], site: str) -> str:
    """Runs in a thread: token (through the first call), me(), each subreddit, one listing."""
    from integrations.social.reddit.network import make_reddit  # here: reddit.py imports this module

    client_id, client_secret, user_agent, username, password, base_url = login
    with _ShortSession() as http:
        reddit = make_reddit(client_id, client_secret, user_agent, username, password, base_url, http)
        name = None
        try:
            if username:
                me = reddit.user.me()
                name = str(getattr(me, "name", "") or "")
                if name.lower() != username.lower():
                    raise SourceCheckFailed(f"the login is for u/{name or '?'}, not u/{username}: check the "
                                            "username", LOGIN)
            for sub in subreddits:
                try:
                    getattr(reddit.subreddit(sub), "subreddit_type")  # fetches r/<sub>/about
                except prawcore.PrawcoreException as exc:
                    raise _subreddit_problem(sub, exc) or exc
            if subreddits:
                list(reddit.subreddit("+".join(subreddits)).new(limit=1))  # the listing the source polls
        except prawcore.RequestException as exc:
            raise unreachable(site, exc) from None
        except prawcore.PrawcoreException as exc:
            raise _token_problem(exc, username) or SourceCheckFailed(f"Reddit answered {exc}") from None
    who = f"token valid for u/{name}" if name else "app token valid (read-only)"
    subs = f"; {', '.join('r/' + s for s in subreddits)} readable" if subreddits else ""
    return f"{who} on {site}{subs}"


async def check_source(source: RedditSource) -> str:
    if not source._login[0]:
        raise SourceCheckFailed("no client id is set", APP)
    return await asyncio.to_thread(_verify, source._login, source.subreddits, source.site_url)


async def check_publisher(publisher: RedditPublisher) -> str:
    from integrations.social.reddit.network import REDDIT_URL

    config = publisher._reddit.config
    base_url = None if publisher.site_url == REDDIT_URL else publisher.site_url
    login = (config.client_id, config.client_secret, config.user_agent, publisher.username, config.password,
             base_url)
    return await asyncio.to_thread(_verify, login, [], publisher.site_url)
