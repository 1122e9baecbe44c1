"""Where a `listNotifications` poll left off, as a cursor string to save.

The AppView lists notifications newest first by their `indexedAt`, which is
the post's sort time: the earlier of when the AppView indexed it and the
`createdAt` the author's app wrote. A post from a device whose clock runs
behind, or one indexed by a slower worker, can therefore appear *below* a
notification already seen. So the cursor is not just the newest time: it is
a floor (anything older is done) that trails the newest time by `lookback`,
plus the posts seen since the floor, so none is yielded twice after a restart.

Posts are kept as short digests of their at-uri: the cursor travels with
every item through the bus and is saved with each mention.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

VERSION = 1
MAX_SEEN = 200  # bounds the cursor to about 6 kB; under heavier traffic the lookback shrinks
_TICK = timedelta(microseconds=1)


def parse_time(value: object) -> datetime | None:
    """An `indexedAt` (or cursor) string as an aware datetime; None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def digest(uri: str) -> str:
    return hashlib.sha256(uri.encode()).hexdigest()[:12]  # 48 bits: no clash among a few hundred


class NotificationCursor:
    """`floor`: notifications sorted before it are done. `seen`: digest -> sort time, for those since."""

    def __init__(self, floor: datetime, seen: dict[str, datetime] | None = None, *,
                 lookback: timedelta = timedelta(minutes=10), max_seen: int = MAX_SEEN) -> None:
        self.floor = floor
        self.seen = dict(seen or {})
        self.lookback, self.max_seen = lookback, max_seen

    @classmethod
    def parse(cls, text: str, where: str, **options) -> NotificationCursor:
        """Read a saved cursor; `where` names the source for the error message."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != VERSION:
                raise ValueError("not a version-1 notifications cursor")
            floor = parse_time(data.get("floor"))
            if floor is None:
                raise ValueError("field 'floor' is not a date")
            seen: dict[str, datetime] = {}
            for group in data.get("seen") or []:
                if not isinstance(group, list) or not group or not isinstance(group[0], int):
                    raise ValueError(f"entry {group!r} in 'seen' is not [microseconds after the floor, posts...]")
                seen.update({str(d): floor + timedelta(microseconds=group[0]) for d in group[1:]})
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"{where}: saved cursor {text[:80]!r} is unusable ({exc}); "
                             "delete it to start again from the recent notifications") from None
        return cls(floor, seen, **options)

    def encode(self) -> str:
        """Compact JSON: the floor, then [microseconds after it, digests...] per instant."""
        grouped: dict[int, list[str]] = {}
        for key, moment in sorted(self.seen.items(), key=lambda kv: (kv[1], kv[0])):
            grouped.setdefault((moment - self.floor) // _TICK, []).append(key)
        seen = [[offset, *keys] for offset, keys in grouped.items()]
        return json.dumps({"v": VERSION, "floor": _iso(self.floor), "seen": seen}, separators=(",", ":"))

    @property
    def newest(self) -> datetime:
        return max(self.seen.values(), default=self.floor)

    def is_done(self, at: datetime) -> bool:
        """True for anything sorted before the floor: the listing can stop there."""
        return at < self.floor

    def is_new(self, uri: str, at: datetime) -> bool:
        return not self.is_done(at) and digest(uri) not in self.seen

    def add(self, uri: str, at: datetime) -> None:
        self.seen[digest(uri)] = at
        self._prune()

    def _prune(self) -> None:
        self.floor = max(self.floor, self.newest - self.lookback)
        self.seen = {k: at for k, at in self.seen.items() if at >= self.floor}
        while len(self.seen) > self.max_seen:
            # Forget the oldest instant as a whole and raise the floor just past it.
            oldest = min(self.seen.values())
            self.floor = oldest + _TICK
            self.seen = {k: at for k, at in self.seen.items() if at > oldest}
