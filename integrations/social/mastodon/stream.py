"""The Mastodon.py client, and Mastodon streaming (server-sent events) through Mastodon.py, one daemon
thread per stream, bridged into asyncio by `ThreadedStream`.

Mastodon.py is asked for one blocking connection at a time (`run_async=False`):
the source itself decides when to catch up by polling and when to reconnect,
so nothing posted while a stream was down is lost.
"""
from __future__ import annotations

import asyncio
import logging

from mastodon import Mastodon, StreamListener
from mastodon.errors import MastodonMalformedEventError

from integrations.social.common.stream_bridge import ThreadedStream

log = logging.getLogger(__name__)

USER_STREAM = "user"
TAG_PREFIX = "tag:"


class _Listener(StreamListener):
    def __init__(self, stream_key: str) -> None:
        self.key = stream_key
        self.stream: ThreadedStream | None = None
        self.response = None

    # Mastodon.py hands over the open response here: keep it, so stop() can shut its socket.
    def handle_stream(self, response) -> None:
        self.response = response
        if self.stream is None or self.stream.stopping:
            return
        self.stream.connected()
        super().handle_stream(response)

    def _dispatch(self, event) -> None:
        # Mastodon.py's per-event hook: a malformed event would otherwise drop the whole connection.
        try:
            super()._dispatch(event)
        except MastodonMalformedEventError as exc:
            self._emit("malformed", " ".join(str(a) for a in exc.args)[:300])

    def _emit(self, name: str, payload) -> None:
        if self.stream is not None:
            self.stream.emit((name, payload))

    def on_update(self, status) -> None:
        self._emit("update", status)

    def on_notification(self, notification) -> None:
        self._emit("notification", notification)

    def on_delete(self, status_id) -> None:
        self._emit("delete", status_id)

    def on_status_update(self, status) -> None:
        self._emit("status.update", status)

    def on_unknown_event(self, name, unknown_event=None) -> None:
        log.debug("mastodon stream %s: ignoring event %r", self.key, name)

    def interrupt(self) -> None:
        """Wake the reading thread: shut the socket for reading (urllib3 2.3+)."""
        response = self.response
        if response is not None:
            response.raw.shutdown()


def make_client(api_base_url: str, access_token: str, request_timeout: float) -> Mastodon:
    # "wait": on a 429 Mastodon.py sleeps (in our worker thread) until X-RateLimit-Reset, then retries.
    return Mastodon(api_base_url=api_base_url, access_token=access_token, ratelimit_method="wait",
                    request_timeout=request_timeout, version_check_mode="none", user_agent="rejoinder")


def open_stream(client: Mastodon, key: str, queue: asyncio.Queue, read_timeout: float) -> ThreadedStream:
    """Start the user stream (`key == "user"`) or a hashtag stream (`"tag:<name>"`)."""
    listener = _Listener(key)

    def run(stream: ThreadedStream) -> None:
        if key == USER_STREAM:
            client.stream_user(listener, run_async=False, timeout=read_timeout)
        else:
            client.stream_hashtag(key.removeprefix(TAG_PREFIX), listener, run_async=False, timeout=read_timeout)

    stream = ThreadedStream(key, queue, run, listener.interrupt)
    listener.stream = stream
    return stream.start()
