"""The saved position of a source made of several feeds, as one JSON string.

`{"mentions": "1042", "tag:rust": "998", "pending": {"1040": ["mentions"]}}`:
each feed's value is the newest id it has delivered (or skipped) in order,
so a poll resumes right after it. "pending" lists posts one feed delivered
that another feed will meet again (a tagged post that also mentions the
brand): after a restart they are recognised and not delivered twice.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from integrations.social.common.stream_bridge import id_order, newest

PENDING = "pending"
MAX_PENDING = 500


class FeedCursor:
    def __init__(self, positions: dict[str, str] | None = None, pending: dict[str, list[str]] | None = None,
                 post_id_feeds: Iterable[str] | None = None) -> None:
        self.positions: dict[str, str] = dict(positions or {})
        self.pending: dict[str, list[str]] = {k: list(v) for k, v in (pending or {}).items()}
        # Feeds whose positions are post ids (not e.g. notification ids): they can be compared with posts.
        self.post_id_feeds = set(post_id_feeds) if post_id_feeds is not None else None

    @classmethod
    def load(cls, text: str | None, source: str, feeds: list[str],
             post_id_feeds: Iterable[str] | None = None) -> FeedCursor:
        if text in (None, ""):
            return cls(post_id_feeds=post_id_feeds)
        if text.isdigit() and feeds:  # a bare id, as a person might set by hand: the first feed
            return cls({feeds[0]: text}, post_id_feeds=post_id_feeds)
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        pending = data.pop(PENDING, {}) if isinstance(data, dict) else None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                 for k, v in data.items()):
            raise ValueError(f"source {source!r}: saved cursor {text[:200]!r} is not a JSON object of "
                             "feed name -> post id; clear it to start from now")
        if not isinstance(pending, dict) or not all(isinstance(v, list) for v in pending.values()):
            pending = {}  # only a guard against doubles: losing it is harmless
        return cls({k: v for k, v in data.items() if k in feeds},
                   {k: [f for f in v if f in feeds] for k, v in pending.items()}, post_id_feeds)

    def get(self, feed: str) -> str | None:
        return self.positions.get(feed)

    def _compares(self, feed: str) -> bool:
        return self.post_id_feeds is None or feed in self.post_id_feeds

    def advance(self, feed: str, item_id: str) -> bool:
        """Move `feed` on to `item_id` if newer; True when it moved."""
        now = newest(self.positions.get(feed), item_id)
        if now == self.positions.get(feed):
            return False
        self.positions[feed] = now
        if self._compares(feed):  # posts this feed has now passed are no longer expected from it
            for post in [p for p, fs in self.pending.items() if feed in fs and id_order(p) <= id_order(now)]:
                self.reached(feed, post)
        return True

    def expect(self, post_id: str, feeds: Iterable[str]) -> None:
        """`post_id` was delivered; these feeds may still meet it."""
        later = sorted(f for f in feeds if not (self._compares(f) and self.positions.get(f)
                                                and id_order(self.positions[f]) >= id_order(post_id)))
        if later:
            self.pending[post_id] = later
            while len(self.pending) > MAX_PENDING:
                del self.pending[next(iter(self.pending))]

    def delivered(self, post_id: str) -> bool:
        return post_id in self.pending

    def reached(self, feed: str, post_id: str) -> None:
        """`feed` met `post_id` (and skipped it): stop expecting it there."""
        feeds = self.pending.get(post_id)
        if feeds is not None and feed in feeds:
            feeds.remove(feed)
            if not feeds:
                del self.pending[post_id]

    def dump(self) -> str:
        data: dict = dict(self.positions)
        if self.pending:
            data[PENDING] = self.pending
        return json.dumps(data, sort_keys=True, separators=(",", ":"))
