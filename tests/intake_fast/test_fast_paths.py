"""The fast paths of intake give what the careful ones give: a feed line
parsed in one pass, a batch of bus payloads validated in one call, packed
bus entries in orjson, and lists bound as one array on PostgreSQL."""
from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.intake.consumer import parse_mentions
from bot.store import tables as t
from bot.store.db import Database
from bot.store.lists import ByDialect
from bot.types import Mention
from integrations.bus.redis_streams import RedisStreamsBus
from integrations.social.replay import parse_line

GOOD = {"network": "x", "external_id": "1", "author": {"handle": "ann", "followers": 3},
        "text": "@acme my order", "created_at": "2026-11-20T09:00:00"}


def line(**changes) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


@pytest.mark.parametrize("raw", [
    line(),  # a naive time is taken as UTC, as on the careful path
    line(created_at="2026-11-20T09:00:00+02:00", lang="en", reply_ref={"cid": "c"}),
    line(text="caf\u00e9 \u2014 \U0001f6b2"),
])
def test_a_good_line_gives_the_mention_the_careful_path_gives(raw):
    careful = Mention.model_validate(json.loads(raw.decode()))
    assert parse_line(raw, "feed.jsonl:1") == careful


@pytest.mark.parametrize("raw, said", [
    (b"{\"network\": \"x\", \xff}", "feed.jsonl:7: not UTF-8 text (byte 17)"),
    (b"[" * 100_000, "feed.jsonl:7: nested too deeply to be a post"),
    (b"[1, 2]", "feed.jsonl:7: expected a JSON object, got list"),
    (line(created_at="0001-01-01T00:00:00Z", author={"handle": "a", "followers": -1}),
     "feed.jsonl:7: author.followers: Input should be greater than or equal to 0"),
    (b"{\"network\": ", "feed.jsonl:7: not valid JSON: Expecting value (column 13)"),
    (json.dumps({**GOOD, "text": "lone \ud800"}).encode(),
     "feed.jsonl:7: text: Input should be a valid string, unable to parse raw data as a unicode string"),
])
def test_a_bad_line_is_explained_by_the_careful_path(raw, said):
    assert parse_line(raw, "feed.jsonl:7") == said


def payload(n: int, mention: dict | None = None) -> dict:
    body = {**GOOD, "external_id": str(n)} if mention is None else mention
    return {"source": "feed", "cursor": str(n), "mention": json.dumps(body)}


def test_a_batch_is_validated_in_order_and_a_bad_one_still_raises_alone():
    payloads = [payload(1), {"source": "feed", "cursor": "2", "mention": None}, payload(3)]
    assert [m.external_id for m in parse_mentions(payloads)] == ["1", "3"]
    # A text holding two objects must not shift the batch: parsed one by one, it raises.
    sneaky = {"source": "feed", "cursor": "4", "mention": json.dumps(GOOD) + "," + json.dumps(GOOD)}
    with pytest.raises(ValidationError):
        parse_mentions([payload(1), sneaky])
    with pytest.raises(ValidationError):
        parse_mentions([payload(1), payload(2, {**GOOD, "network": "NOT A NETWORK"})])


async def test_packed_entries_round_trip_including_what_orjson_refuses(redis_url):
    bus = RedisStreamsBus(redis_url, prefix="fast", consumer="c", block_ms=100, pack=3)
    odd = {"source": "feed", "cursor": "9", "text": "lone \ud800", "big": 2 ** 70}  # orjson takes neither
    sent = [{"source": "feed", "cursor": str(n), "mention": json.dumps(GOOD)} for n in range(5)] + [odd]
    try:
        await bus.publish_many("m", sent)
        got = []
        async for batch in bus.consume_batches("m", "g", 100):
            got += [d.payload for d in batch]
            await bus.ack_batch(batch)
            if len(got) >= len(sent):
                break
        assert got == sent
    finally:
        await bus.close()


async def test_a_list_bound_as_one_parameter_finds_the_same_rows(database_url):
    db = await Database(database_url).start()
    by_handle = ByDialect(lambda within: select(t.Author.handle).where(within(t.Author.handle, "handles")))
    try:
        async with db.transaction() as s:
            s.add_all([t.Author(network="x", handle=h, name="", followers=0) for h in ("ann", "bob", "cy")])
        async with db.sessions() as s:
            for wanted in (["ann"], ["bob", "cy", "nobody"], []):
                rows = await s.execute(by_handle.on(s), {"handles": wanted})
                assert sorted(rows.scalars()) == sorted(set(wanted) - {"nobody"})
    finally:
        await db.close()
