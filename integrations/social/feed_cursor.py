"""The saved position of a feed-based source: one newest id per feed, stored
as a JSON object so a restart resumes every feed where it stopped."""
from __future__ import annotations

import json

from integrations.social.stream_bridge import newest


class FeedCursor:
    """`{"mentions": "1042", "tag:rust": "998"}`: each value is the newest id of
    that feed already delivered (or skipped) in order; polls resume after it."""

    def __init__(self, positions: dict[str, str] | None = None) -> None:
        self.positions: dict[str, str] = dict(positions or {})

    @classmethod
    def load(cls, text: str | None, source: str, feeds: list[str]) -> FeedCursor:
        if text in (None, ""):
            return cls()
        if text.isdigit() and feeds:  # a bare id, as a person might set by hand: the first feed
            return cls({feeds[0]: text})
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                 for k, v in data.items()):
            raise ValueError(f"source {source!r}: saved cursor {text[:200]!r} is not a JSON object of "
                             "feed name -> post id; clear it to start from now")
        return cls({k: v for k, v in data.items() if k in feeds})

    def get(self, feed: str) -> str | None:
        return self.positions.get(feed)

    def advance(self, feed: str, item_id: str) -> bool:
        """Move `feed` on to `item_id` if newer; True when it moved."""
        now = newest(self.positions.get(feed), item_id)
        if now == self.positions.get(feed):
            return False
        self.positions[feed] = now
        return True

    def dump(self) -> str:
        return json.dumps(self.positions, sort_keys=True, separators=(",", ":"))
