"""tweepy clients for the X API v2, pointed at another host when asked.

tweepy builds every URL from the fixed host https://api.twitter.com, but each
client sends through its own `requests.Session`. `ApiAdapter` is mounted on
that session for the X host: it rewrites the host to `api_base_url` (a local
emulator, a proxy) for that one client, with no global patching, and keeps
the open streaming response so a stopping source can shut its socket.
"""
from __future__ import annotations

import logging
import time

import requests
import tweepy
from requests.adapters import HTTPAdapter

from integrations.social.common.stream_bridge import ThreadedStream
from integrations.social.x.parse import EXPANSIONS, TWEET_FIELDS, USER_FIELDS

log = logging.getLogger(__name__)
X_HOST = "https://api.twitter.com"


class ApiAdapter(HTTPAdapter):
    def __init__(self, api_base_url: str | None = None) -> None:
        super().__init__()
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.stream_response: requests.Response | None = None

    def send(self, request, stream=False, **kwargs):
        if self.api_base_url and request.url.startswith(X_HOST):
            request.url = self.api_base_url + request.url[len(X_HOST):]
        response = super().send(request, stream=stream, **kwargs)
        if stream:
            self.stream_response = response
        return response

    def shut_stream(self) -> None:
        response = self.stream_response
        if response is not None:
            response.raw.shutdown()  # wakes a blocked read (urllib3 2.3+)


def _mount(session: requests.Session, api_base_url: str | None) -> ApiAdapter:
    adapter = ApiAdapter(api_base_url)
    session.mount(X_HOST + "/", adapter)
    return adapter


def make_client(*, bearer_token: str | None = None, consumer_key: str | None = None,
                consumer_secret: str | None = None, access_token: str | None = None,
                access_token_secret: str | None = None, api_base_url: str | None = None) -> tweepy.Client:
    """A client answering plain dicts; rate limits are handled by the caller."""
    client = tweepy.Client(bearer_token, consumer_key, consumer_secret, access_token, access_token_secret,
                           return_type=dict, wait_on_rate_limit=False)
    _mount(client.session, api_base_url)
    return client


def rate_limit_delay(exc: tweepy.TooManyRequests, fallback: float = 60.0, now: float | None = None) -> float:
    """Seconds until `x-rate-limit-reset` (epoch seconds), at least 1."""
    reset = getattr(exc, "reset_time", None)
    if reset is None:
        return fallback
    return max(float(reset) - (now if now is not None else time.time()), 1.0)


class StreamRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"the filtered stream answered HTTP {status}")
        self.status = status


class FilteredStream(tweepy.StreamingClient):
    """One connection of the filtered stream; lines go to a ThreadedStream.

    tweepy would reconnect by itself (and sleep in between); here every end
    of the connection ends `filter()`, so the source can catch up by search
    before connecting again.
    """

    def __init__(self, bearer_token: str, api_base_url: str | None) -> None:
        super().__init__(bearer_token, return_type=dict, wait_on_rate_limit=False, max_retries=0)
        self.adapter = _mount(self.session, api_base_url)
        self.bridge: ThreadedStream | None = None
        self.failure: BaseException | None = None

    def run(self, bridge: ThreadedStream) -> None:
        self.bridge, self.failure = bridge, None
        if bridge.stopping:
            return
        self.filter(expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS)
        if self.failure is not None:
            raise self.failure

    def interrupt(self) -> None:
        self.disconnect()
        self.adapter.shut_stream()

    def on_connect(self) -> None:
        if self.bridge.stopping:  # stopped while connecting: tweepy had set `running` again
            self.disconnect()
            return
        self.bridge.connected()

    def on_data(self, raw_data) -> None:
        self.bridge.emit(raw_data)  # parsed on the event loop, where bad lines are reported

    def on_keep_alive(self) -> None:
        pass

    def on_closed(self, response) -> None:
        self.disconnect()

    def on_request_error(self, status_code) -> None:
        self.failure = StreamRefused(status_code)
        self.disconnect()

    def on_connection_error(self) -> None:
        self.failure = ConnectionError("the filtered stream connection failed or timed out")
        self.disconnect()

    def on_exception(self, exception) -> None:
        self.failure = exception
