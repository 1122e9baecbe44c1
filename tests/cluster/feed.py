"""A replay feed for the cluster tests and the cluster bench: conversations
whose roots match the support route, replies that match no route (some right
after their root, so in the same batch, some much later), and noise no
route wants. `expected` is every post that must end up stored."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

WORKSPACE = """
version: 1
organisation: {name: Acme, handles: {x: acme}}
teams: [{name: support, channel: "#support"}]
routes:
  - {name: support, team: support, match: {all: [{handle: acme}, {keyword: [order]}]}}
roles: {members: {sam: [agent], dana: [approver]}}
incidents: {routes: []}
sources: [{type: replay, name: feed, path: feed.jsonl, output: out.jsonl}]
"""


@dataclass
class Feed:
    roots: list[str] = field(default_factory=list)  # external ids of the posts that open cases
    expected: set[str] = field(default_factory=set)  # external ids that must be stored
    lines: int = 0


def _post(n: int, text: str, handle: str, root: int | None = None) -> str:
    record = {"network": "x", "external_id": str(n), "author": {"handle": handle, "followers": 10 + n % 900},
              "text": text, "created_at": f"2026-11-20T{9 + n // 360000 % 10:02d}:{n // 6000 % 60:02d}:{n // 100 % 60:02d}Z"}
    if root is not None:
        record |= {"conversation_id": str(root), "in_reply_to": str(root)}
    return json.dumps(record)


def write_feed(folder: Path, count: int, seed: int = 8, share: float = 0.3) -> Feed:
    """`count` lines in folder/feed.jsonl, and the workspace file beside it;
    `share` of the lines start a conversation (a real stream is mostly noise)."""
    rng = random.Random(seed)
    (folder / "rejoinder.yaml").write_text(WORKSPACE)
    feed, lines, later = Feed(), [], []
    n = 0
    while len(lines) + len(later) < count:
        n += 1
        kind = rng.random()
        if kind < share:
            lines.append(_post(n, f"@acme my order {n} never arrived, help", f"user{n % 997}"))
            feed.roots.append(str(n))
            feed.expected.add(str(n))
            root = n
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                n += 1
                line = _post(n, "still waiting, any news?", f"fan{n % 313}", root)
                feed.expected.add(str(n))
                (lines if rng.random() < 0.5 else later).append(line)  # same batch, or much later
        else:
            lines.append(_post(n, f"lovely ride this morning #{n}", f"rider{n % 5003}"))
        if later and rng.random() < 0.05:
            lines.append(later.pop(0))
    lines += later
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")
    feed.lines = len(lines)
    return feed
