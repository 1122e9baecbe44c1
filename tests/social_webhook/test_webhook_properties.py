"""Arbitrary input: the payload reader and the signature check never crash,
and the endpoint answers anything with 202 or a 4xx, never a 5xx."""
from __future__ import annotations

import json
import string
import time

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.types import Mention
from integrations.social.webhook.payload import (
    SIGNATURE_HEADER, TIMESTAMP_HEADER, PayloadError, check_signature, read_mentions, sign,
)
from tests.social_webhook.conftest import SECRET, mention

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20)

# Mention-shaped objects whose fields hold anything: most are wrong somewhere.
mention_like = st.fixed_dictionaries(
    {"external_id": st.text(max_size=20) | st.integers(), "text": st.text(max_size=40),
     "created_at": st.sampled_from(["2024-06-01T09:30:00Z", "2024-06-01", "0001-01-01T00:00:00+14:00",
                                    "9999-12-31T23:59:59-12:00", "nope", ""]) | st.integers(),
     "author": st.fixed_dictionaries({"handle": st.text(max_size=10)},
                                     optional={"followers": st.integers(), "url": st.text(max_size=10)})
     | json_values},
    optional={"network": st.text(max_size=8), "url": st.text(max_size=10), "lang": st.text(max_size=20),
              "reply_ref": st.dictionaries(st.text(max_size=5), st.text(max_size=5) | st.integers(), max_size=3),
              "extra": json_values})

# A valid mention with one field replaced or removed: close to what senders get wrong.
one_field_off = st.builds(
    lambda key, value, drop: {k: v for k, v in {**mention(), key: value}.items() if not (drop and k == key)},
    st.sampled_from(["external_id", "text", "created_at", "author", "network", "url", "lang", "in_reply_to"]),
    json_values, st.booleans())

bodies = (st.binary(max_size=300)
          | one_field_off.map(lambda v: json.dumps(v).encode())
          | json_values.map(lambda v: json.dumps(v).encode())
          | mention_like.map(lambda v: json.dumps(v).encode())
          | st.lists(mention_like, max_size=3).map(lambda v: json.dumps({"mentions": v}).encode()))


@settings(max_examples=250, deadline=None)
@given(bodies)
def test_reader_returns_mentions_or_a_payload_error(body):
    try:
        found = read_mentions(body, "webhook")
    except PayloadError as exc:
        assert exc.field and exc.message and exc.errors
        json.dumps(exc.as_json())  # the 422 body is always serialisable
    else:
        assert all(isinstance(m, Mention) and m.network for m in found)


@settings(max_examples=300, deadline=None)
@given(timestamp=st.none() | st.text(max_size=15), signature=st.none() | st.text(max_size=80),
       body=st.binary(max_size=50), skew=st.integers(-400, 400), genuine=st.booleans())
def test_signature_check_never_crashes_and_accepts_only_genuine_fresh_requests(
        timestamp, signature, body, skew, genuine):
    now = time.time()
    if genuine:  # a correctly signed request, `skew` seconds off the server's clock
        timestamp = str(int(now) + skew)
        signature = sign(SECRET, timestamp, body)
    problem = check_signature(SECRET, timestamp, signature, body, now, 300)
    if problem is None:
        assert timestamp.isdigit() and abs(int(timestamp) - now) <= 300
        assert signature == sign(SECRET, timestamp, body)
    elif genuine:
        assert abs(int(timestamp) - now) > 299 and "clock" in problem


def test_a_genuine_signature_passes():
    stamp = str(int(time.time()))
    assert check_signature(SECRET, stamp, sign(SECRET, stamp, b"{}"), b"{}", time.time(), 300) is None


header_text = st.text(alphabet=string.ascii_letters + string.digits + "=-_ .:/", max_size=70)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, signed=st.booleans(), timestamp=st.none() | header_text, signature=st.none() | header_text)
async def test_endpoint_answers_202_or_4xx_never_5xx(hook, body, signed, timestamp, signature):
    if signed:
        status, answer = await hook.post(body)
    else:
        headers = {k: v for k, v in ((TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)) if v is not None}
        status, answer = await hook.post(body, secret=None, headers=headers)
        assert status == 401
    event(f"status {status}")
    assert status in (202, 401, 413, 422), (status, answer)
    if status == 202:
        assert answer["accepted"] == len(read_mentions(body, "webhook"))
    else:
        assert answer["error"]


async def test_endpoint_accepts_what_the_reader_accepts(hook):
    ok = read_mentions(json.dumps(mention("same")).encode(), "webhook")
    assert (await hook.post(mention("same")))[0] == 202
    assert [i.mention for i in await hook.wait_items(1)] == ok
