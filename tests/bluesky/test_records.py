"""The firehose decoder, the post parser and the reply helpers, without a network."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import libipld
from atproto_client.exceptions import RateLimitExceededError
from atproto_client.request import Response
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.social.bluesky.records import (
    CursorTick,
    FirehoseDecoder,
    PostFilter,
    parse_post_record,
    split_post_uri,
)
from integrations.social.bluesky.reply import (
    check_reply_text,
    decode_tid,
    encode_tid,
    grapheme_count,
    rate_limit_delay,
    reply_rkey,
)

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
DID = "did:plc:abcdefghijklmnopqrstuvwx"
CID = "bafyreifmikk7uwmlp6atljmlc32xcttlt7lwciimf42jrkmubmiyem2wim"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
post_like = st.fixed_dictionaries({}, optional={
    "$type": st.sampled_from(["app.bsky.feed.post", "app.bsky.feed.like"]) | json_values,
    "text": st.text(max_size=300) | json_values,
    "createdAt": st.datetimes().map(datetime.isoformat) | st.text(max_size=30) | json_values,
    "langs": st.lists(st.text(max_size=20), max_size=3) | json_values,
    "reply": st.fixed_dictionaries({}, optional={
        "root": st.fixed_dictionaries({"uri": st.text(max_size=400), "cid": st.text(max_size=5)}) | json_values,
        "parent": st.fixed_dictionaries({"uri": st.text(max_size=50), "cid": st.text(max_size=5)}) | json_values,
    }) | json_values,
    "facets": st.lists(st.fixed_dictionaries({"features": st.lists(
        st.fixed_dictionaries({"$type": st.just("app.bsky.richtext.facet#mention"), "did": json_values}))}))
    | json_values,
})


@settings(max_examples=300, deadline=None)
@given(record=post_like | json_values, handle=st.none() | st.text(max_size=250))
def test_parser_never_crashes_and_keeps_only_valid_mentions(record, handle):
    mention = parse_post_record(DID, "3kabcdefghij2", CID, record, handle, fallback_time=None)
    if mention is not None:
        assert isinstance(record, dict) and isinstance(record["text"], str)
        assert mention.text == record["text"][:20_000]
        assert mention.external_id == f"at://{DID}/app.bsky.feed.post/3kabcdefghij2"
        assert mention.reply_ref["uri"] == mention.external_id


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["#commit", "#identity", "#info", None]), body=json_values | st.fixed_dictionaries(
    {"seq": st.integers(0, 2**40), "repo": st.text(max_size=10) | json_values,
     "ops": st.lists(st.fixed_dictionaries({"path": st.sampled_from(["app.bsky.feed.post/3k", "x/y"]),
                                            "action": st.sampled_from(["create", "delete", "update"]),
                                            "cid": st.binary(max_size=40)})) | json_values,
     "blocks": st.binary(max_size=100) | json_values}))
def test_decoder_never_crashes_on_arbitrary_frames(kind, body):
    decoder = FirehoseDecoder(PostFilter(["battery"], ["tandem.test"], [DID]), tick_every=1)
    events = decoder.on_frame(kind, body)
    assert isinstance(events, list)


def test_missing_created_at_falls_back_to_event_time_and_bad_records_are_logged(caplog):
    mention = parse_post_record(DID, "3k2", CID, {"text": "hi"}, "maria.test", fallback_time="2024-05-01T10:00:00Z")
    assert mention is not None and mention.created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_post_record(DID, "3k2", CID, {"text": 5, "createdAt": "2024-05-01T10:00:00Z"}, "m") is None
    assert "field 'text' is missing or not a string" in caplog.text
    assert f"at://{DID}/app.bsky.feed.post/3k2" in caplog.text


def test_filter_words_handles_and_mention_facets():
    f = PostFilter(["Battery", "e-bike"], ["@tandem.test"], ["did:plc:brand"])
    assert f.matches({"text": "my BATTERY died"})
    assert f.matches({"text": "new e-bike!"}) and f.matches({"text": "battery-powered"})
    assert not f.matches({"text": "batteryless"})
    assert f.matches({"text": "hey @Tandem.Test."})
    assert not f.matches({"text": "hey @tandem.test.example"})
    assert not f.matches({"text": "mail me at x@tandem.test"})  # an address is not a handle mention
    facet = {"features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:brand"}]}
    assert f.matches({"text": "hello", "facets": [facet]})
    assert not PostFilter([], [], []).matches({"text": "battery"})


def _commit_frame(seq: int, ops: list[tuple[str, str, dict | None]]) -> tuple[str, dict]:
    """A #commit body as a PDS sends it: op cids point into the CAR `blocks`."""
    blocks, op_list = [], []
    for action, path, record in ops:
        cid = None
        if record is not None:
            data = libipld.encode_dag_cbor(record)
            cid = bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()
            blocks.append((cid, data))
        op_list.append({"action": action, "path": path, "cid": cid})
    car = bytearray()
    header = libipld.encode_dag_cbor({"version": 1, "roots": [blocks[0][0] if blocks else bytes(36)]})
    car += _varint(len(header)) + header
    for cid, data in blocks:
        car += _varint(len(cid) + len(data)) + cid + data
    return "#commit", {"seq": seq, "repo": DID, "ops": op_list, "blocks": bytes(car), "time": "2024-01-01T00:00:00Z"}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_two_matching_posts_in_one_commit_and_ticks():
    identities: list = []
    decoder = FirehoseDecoder(PostFilter(["battery"], [], []), tick_every=2, tick_seconds=3600,
                              on_identity=lambda did, handle: identities.append((did, handle)))
    kind, body = _commit_frame(7, [
        ("create", "app.bsky.feed.post/3ka", {"$type": "app.bsky.feed.post", "text": "battery one"}),
        ("create", "app.bsky.feed.like/3kb", {"$type": "app.bsky.feed.like"}),
        ("create", "app.bsky.feed.post/3kc", {"$type": "app.bsky.feed.post", "text": "battery two"}),
        ("delete", "app.bsky.feed.post/3kd", None),
    ])
    events = decoder.on_frame(kind, body)
    assert [getattr(e, "rkey", getattr(e, "uri", None)) for e in events] == [
        "3ka", "3kc", f"at://{DID}/app.bsky.feed.post/3kd"]
    assert {e.seq for e in events} == {7}
    assert decoder.on_frame("#identity", {"seq": 8, "did": DID, "handle": "new.test"}) == []
    assert decoder.on_frame("#account", {"seq": 9, "did": DID}) == [CursorTick(9)]
    assert identities == [(DID, "new.test")] and decoder.seq == 9


def test_tid_encoding_and_reply_keys():
    assert encode_tid(0) == "2222222222222"
    assert decode_tid(encode_tid(123456789)) == 123456789
    assert decode_tid("not-a-tid") is None
    target = f"at://{DID}/app.bsky.feed.post/3n2vhvfzjrk2z"
    key = reply_rkey(target, "case-1-draft-1")
    assert TID.match(key) and key == reply_rkey(target, "case-1-draft-1")
    assert key != reply_rkey(target, "case-1-draft-2") and key != reply_rkey(target + "x", "case-1-draft-1")
    micros = decode_tid(key) >> 10
    assert 0 < micros - (decode_tid("3n2vhvfzjrk2z") >> 10) <= 2_000_000  # just after the target
    assert TID.match(reply_rkey(f"at://{DID}/app.bsky.feed.post/self", "k"))  # non-TID target key
    assert split_post_uri(target) == (DID, "3n2vhvfzjrk2z") and split_post_uri("https://x") is None


@given(uri=st.text(max_size=80), key=st.text(max_size=80))
def test_reply_key_is_always_a_valid_tid(uri, key):
    assert TID.match(reply_rkey(uri, key))


def test_grapheme_limit():
    assert grapheme_count("👩‍👩‍👧 é") == 3
    check_reply_text("👩‍👩‍👧" * 300)
    for bad, message in (("", "empty"), ("x" * 301, "301 characters")):
        try:
            check_reply_text(bad)
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_rate_limit_wait_follows_the_reset_header():
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    reset = int((now + timedelta(seconds=42)).timestamp())
    exc = RateLimitExceededError(Response(False, 429, None, {"ratelimit-reset": str(reset)}))
    assert rate_limit_delay(exc.reset_at, exc.retry_after, now=now) == 42
    assert rate_limit_delay(None, 7.5, now=now) == 7.5
    assert rate_limit_delay(None, None, now=now, fallback=30) == 30
    assert rate_limit_delay(now - timedelta(seconds=5), None, now=now) == 1.0
