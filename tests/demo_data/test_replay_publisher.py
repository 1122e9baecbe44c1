"""ReplayPublisher: one durable line per reply, never two for one key."""
from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from bot.ports import Publisher
from bot.types import Author, Mention, PostedReply
from integrations.social.replay import ReplayPublisher, read_replies

TARGET = Mention(
    network="bluesky",
    external_id="at://did:plc:abc/app.bsky.feed.post/3reply",
    author=Author(handle="ellie.bsky.social"),
    text="@tandembikes.bsky.social where is my order?",
    created_at="2026-11-20T10:05:00Z",
    conversation_id="at://did:plc:abc/app.bsky.feed.post/3root",
    in_reply_to="at://did:plc:abc/app.bsky.feed.post/3root",
)


def lines(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8").splitlines()


async def test_reply_appends_one_line(tmp_path: Path):
    out = tmp_path / "replies.jsonl"
    publisher = ReplayPublisher(out)
    assert isinstance(publisher, Publisher)

    posted = await publisher.reply(TARGET, "Sorry Ellie, could you DM us? ^DR", "case-7:v1")

    expected_id = "reply-" + hashlib.sha256(b"case-7:v1").hexdigest()[:12]
    assert posted == PostedReply(network="bluesky", external_id=expected_id)
    (record,) = [json.loads(x) for x in lines(out)]
    assert record["idempotency_key"] == "case-7:v1"
    assert record["in_reply_to"] == TARGET.external_id
    assert record["conversation_id"] == TARGET.conversation_id
    assert record["network"] == "bluesky" and record["external_id"] == expected_id
    assert record["text"].endswith("^DR") and record["posted_at"].endswith("Z")


async def test_same_key_never_posts_twice(tmp_path: Path):
    out = tmp_path / "replies.jsonl"
    first = await ReplayPublisher(out).reply(TARGET, "one", "case-7:v1")
    # A new instance, as after a restart, still sees the earlier reply.
    again = await ReplayPublisher(out).reply(TARGET, "one, retried", "case-7:v1")
    assert again == first
    assert len(lines(out)) == 1

    publisher = ReplayPublisher(out)
    together = await asyncio.gather(*(publisher.reply(TARGET, "burst", "case-8:v1") for _ in range(5)))
    assert len(set(together)) == 1
    assert len(lines(out)) == 2


async def test_find_reply(tmp_path: Path):
    out = tmp_path / "replies.jsonl"
    publisher = ReplayPublisher(out)
    assert await publisher.find_reply(TARGET, "case-7:v1") is None  # no file yet
    posted = await publisher.reply(TARGET, "hello ^DR", "case-7:v1")
    assert await ReplayPublisher(out).find_reply(TARGET, "case-7:v1") == posted
    assert await publisher.find_reply(TARGET, "case-7:v2") is None


async def test_a_torn_last_line_does_not_break_later_replies(tmp_path: Path):
    out = tmp_path / "replies.jsonl"
    publisher = ReplayPublisher(out)
    kept = await publisher.reply(TARGET, "first ^DR", "case-1:v1")
    with out.open("a", encoding="utf-8") as f:
        f.write('{"idempotency_key": "case-2:v1", "netw')  # a crash mid-write

    assert await publisher.find_reply(TARGET, "case-2:v1") is None
    later = await publisher.reply(TARGET, "third ^DR", "case-3:v1")

    assert [r["idempotency_key"] for r in read_replies(out)] == ["case-1:v1", "case-3:v1"]
    assert await publisher.find_reply(TARGET, "case-1:v1") == kept
    assert await publisher.find_reply(TARGET, "case-3:v1") == later
    assert json.loads(lines(out)[-1])["text"] == "third ^DR"


async def test_refuses_what_it_cannot_post(tmp_path: Path):
    out = tmp_path / "replies.jsonl"
    with pytest.raises(ValueError, match="limit here is 10"):
        await ReplayPublisher(out, length_limit=10).reply(TARGET, "x" * 11, "k1")
    with pytest.raises(ValueError, match="posts on mastodon"):
        await ReplayPublisher(out, network="mastodon").reply(TARGET, "hi", "k2")
    assert not out.exists()
