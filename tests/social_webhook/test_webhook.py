"""WebhookSource with a real aiohttp client: signing, limits, schema errors."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import aclosing
from datetime import datetime, timezone

import aiohttp
import pytest

from integrations.social.webhook.source import WebhookSource
from integrations.social.webhook.payload import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.social_webhook.conftest import SECRET, WAIT, mention


async def test_signed_mention_is_accepted_and_yielded(hook):
    status, answer = await hook.post(mention("post-1", lang="en", url="https://forum.example/p/1"))
    assert (status, answer) == (202, {"accepted": 1})
    [item] = await hook.wait_items(1)
    m = item.mention
    assert (m.network, m.external_id, m.author.handle, m.author.followers, m.lang) == (
        "webhook", "post-1", "@maria", 12, "en")
    assert m.created_at == datetime(2024, 6, 1, 9, 30, tzinfo=timezone.utc)
    assert item.cursor is None


async def test_batch_keeps_each_mentions_own_network(hook):
    body = {"mentions": [mention("a", network="twitter"), mention("b"), mention("c", network="forum")]}
    assert await hook.post(body) == (202, {"accepted": 3})
    items = await hook.wait_items(3)
    assert [(i.mention.network, i.mention.external_id) for i in items] == [
        ("twitter", "a"), ("webhook", "b"), ("forum", "c")]


async def test_empty_batch_is_accepted_with_nothing_to_yield(hook):
    assert await hook.post({"mentions": []}) == (202, {"accepted": 0})
    assert await hook.post(mention("after-empty")) == (202, {"accepted": 1})
    assert [i.mention.external_id for i in await hook.wait_items(1)] == ["after-empty"]


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "stale", "from the future", "tampered",
                                  "no timestamp", "bad timestamp", "bare hex"])
async def test_unauthentic_requests_get_401_and_nothing_is_yielded(hook, case):
    raw = json.dumps(mention("forged")).encode()
    now = int(time.time())
    if case == "unsigned":
        result = await hook.post(raw, secret=None)
    elif case == "wrong secret":
        result = await hook.post(raw, secret="whsec-guess")
    elif case == "stale":
        result = await hook.post(raw, timestamp=str(now - 301))
    elif case == "from the future":
        result = await hook.post(raw, timestamp=str(now + 301))
    elif case == "tampered":
        signature = sign(SECRET, str(now), raw)
        result = await hook.post(raw.replace(b"forged", b"forgeD"), secret=None,
                                 headers={TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: signature})
    elif case == "no timestamp":
        result = await hook.post(raw, secret=None, headers={SIGNATURE_HEADER: sign(SECRET, str(now), raw)})
    elif case == "bad timestamp":
        result = await hook.post(raw, secret=None, headers={TIMESTAMP_HEADER: "soon",
                                                            SIGNATURE_HEADER: sign(SECRET, "soon", raw)})
    else:
        result = await hook.post(raw, secret=None, headers={
            TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: sign(SECRET, str(now), raw).removeprefix("sha256=")})
    status, answer = result
    assert status == 401 and answer["error"]
    # The next good request is the first thing yielded: the forged one never was.
    assert (await hook.post(mention("genuine")))[0] == 202
    assert [i.mention.external_id for i in await hook.wait_items(1)] == ["genuine"]


async def test_timestamp_just_inside_tolerance_is_accepted(hook):
    assert (await hook.post(mention("edge"), timestamp=str(int(time.time()) - 290)))[0] == 202


async def test_oversized_body_gets_413_by_declared_length(hook):
    big = mention("big", text="x" * 19_000)
    body = json.dumps({"mentions": [dict(big, external_id=f"big-{n}") for n in range(15)]}).encode()
    assert len(body) > 256 * 1024
    status, answer = await hook.post(body)
    assert status == 413 and "262144" in answer["error"]


async def test_oversized_chunked_body_gets_413_by_bytes_read(hook):
    """No Content-Length: the limit applies to the bytes actually read."""
    chunk = b" " * 65_536

    async def body():
        yield b'{"mentions": ['
        for _ in range(5):
            yield chunk
        yield b"]}"

    stamp = str(int(time.time()))
    async with hook.http.post(hook.url, data=body(), headers={TIMESTAMP_HEADER: stamp,
                                                              SIGNATURE_HEADER: "sha256=" + "0" * 64}) as response:
        assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert response.status == 413


@pytest.mark.parametrize(("body", "field", "words"), [
    (b"{not json", "(body)", "not valid JSON"),
    (b"\xff\xfe{}", "(body)", "not UTF-8"),
    (b"[1, 2]", "(body)", "JSON object"),
    (json.dumps({k: v for k, v in mention().items() if k != "text"}).encode(), "text", "required"),
    (json.dumps(mention(author={"name": "no handle"})).encode(), "author.handle", "required"),
    (json.dumps({"mentions": [mention("ok"), mention("bad", created_at="yesterday")]}).encode(),
     "mentions.1.created_at", "datetime"),
    (json.dumps(mention(colour="blue")).encode(), "colour", "Extra inputs"),
    (json.dumps({"mentions": {"a": 1}}).encode(), "mentions", "list"),
    (json.dumps(mention(author={"handle": "x", "followers": 10**20})).encode(), "author.followers", "at most"),
    (json.dumps(mention(text="nul \x00 byte")).encode(), "text", "NUL"),
    (json.dumps(mention(network="Not A Network")).encode(), "network", "pattern"),
])
async def test_malformed_payload_gets_422_naming_the_field(hook, body, field, words):
    status, answer = await hook.post(body)
    assert status == 422
    assert answer["field"] == field
    assert words.lower() in answer["message"].lower()
    assert answer["errors"][0]["field"] == field
    assert hook.items == []


async def test_202_only_once_the_consumer_took_the_mentions():
    source = WebhookSource("listening", SECRET, hand_over_timeout=0.3)
    await source.start()
    raw = json.dumps({"mentions": [mention("q1"), mention("q2")]}).encode()
    stamp = str(int(time.time()))
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(SECRET, stamp, raw)}
    try:
        async with aiohttp.ClientSession() as http:
            # Nobody consumes yet: the sender is told to retry, and the batch stays queued.
            async with http.post(source.url, data=raw, headers=headers) as response:
                assert response.status == 503
            release = asyncio.Event()
            taken: list[str] = []

            async def slow_consumer():
                async with aclosing(source.items(None)) as items:
                    async for item in items:
                        taken.append(item.mention.external_id)
                        await release.wait()  # as if publishing to the bus took a while

            task = asyncio.create_task(slow_consumer())
            source.hand_over_timeout = WAIT
            posting = asyncio.create_task(http.post(source.url, data=raw, headers=headers))
            done, _ = await asyncio.wait({posting}, timeout=0.3)
            assert not done  # q1 of the queued batch is held by the consumer: no answer yet
            release.set()
            async with await posting as response:
                assert (response.status, await response.json()) == (202, {"accepted": 2})
            assert taken[:4] == ["q1", "q2", "q1", "q2"]
            task.cancel()
            await asyncio.wait({task})
    finally:
        await source.stop()


async def test_secret_and_signatures_never_reach_the_log(hook, caplog):
    raw = json.dumps(mention("logged")).encode()
    stamp = str(int(time.time()))
    good = sign(SECRET, stamp, raw)
    with caplog.at_level(logging.DEBUG):
        await hook.post(raw)
        await hook.post(raw, secret="whsec-guess")
        await hook.post(b"{", secret=SECRET)
        await hook.wait_items(1)
    text = "\n".join(r.getMessage() for r in caplog.records) + repr(hook.source)
    assert any("rejected" in r.getMessage() for r in caplog.records)
    assert SECRET not in text and good.removeprefix("sha256=") not in text
    assert sign("whsec-guess", stamp, raw).removeprefix("sha256=") not in text


async def test_listens_where_configured_and_stops():
    source = WebhookSource("custom", SECRET, path="/in/brandwatch", port=0)
    await source.start()
    port = source.port
    assert port > 0 and source.started.is_set()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/hooks/mentions", data=b"{}") as response:
            assert response.status == 404
    await source.stop()
    assert not source.started.is_set()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http:
            await http.post(source.url, data=b"{}")


def test_empty_secret_is_refused():
    with pytest.raises(ValueError, match="secret"):
        WebhookSource("w", "")
