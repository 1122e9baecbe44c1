"""BlueskyJetstreamSource against a local Jetstream fed by the real local PDS
(tests/emulators/jetstream.py): real posts and records, only the transport is ours."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import datetime

import pytest
from atproto import models

from bot.ports import SourceCheckFailed
from integrations.social.bluesky.jetstream import BlueskyJetstreamSource
from tests.bluesky.conftest import WAIT, collect_until, mention_ids, post, reply_ref
from tests.emulators.jetstream import LocalJetstream
from tests.source_reader import Reader


@pytest.fixture
async def jetstream(bluesky_network) -> AsyncIterator[LocalJetstream]:
    server = await LocalJetstream(bluesky_network.firehose_url).start()
    yield server
    await server.close()


def make_source(net, jetstream, accounts, terms=(), handles=(), brand=True, **kw) -> BlueskyJetstreamSource:
    return BlueskyJetstreamSource("bsky-jet", net.pds_url, jetstream.url, list(terms), list(handles),
                                  brand_did=accounts["tandem"].did if brand else None, plc_url=net.plc_url, **kw)


def time_us_of(jetstream: LocalJetstream, uri: str) -> int:
    did, _, rkey = uri[5:].split("/")
    return next(e["time_us"] for e in jetstream.events
                if e["did"] == did and e.get("commit", {}).get("rkey") == rkey)


async def test_brand_mention_in_a_thread_becomes_a_mention_with_all_fields(
        bluesky_network, jetstream, accounts, as_user):
    maria, olek = await as_user("maria"), await as_user("olek")
    root = await post(olek, accounts["olek"].did, "Anyone else waiting on a saddle order?")
    noise = await post(maria, accounts["maria"].did, "Lovely weather for a ride today")
    sent = await post(maria, accounts["maria"].did, "@tandem.test mine never shipped either",
                      reply_to=reply_ref(root, root))
    record = (await maria.app.bsky.feed.post.get(accounts["maria"].did, sent.uri.rsplit("/", 1)[1])).value

    async with aclosing(make_source(bluesky_network, jetstream, accounts).items("0")) as items:
        seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))

    assert noise.uri not in mention_ids(seen)
    got = next(i for i in seen if i.mention and i.mention.external_id == sent.uri)
    m, rkey = got.mention, sent.uri.rsplit("/", 1)[1]
    assert (m.network, m.text, m.author.handle, m.author.followers) == (
        "bluesky", "@tandem.test mine never shipped either", "maria.test", 0)
    assert m.url == f"https://bsky.app/profile/maria.test/post/{rkey}"
    assert m.created_at == datetime.fromisoformat(record.created_at)
    assert (m.conversation_id, m.in_reply_to, m.lang) == (root.uri, root.uri, "en")
    assert m.reply_ref == {"uri": sent.uri, "cid": sent.cid, "root_uri": root.uri, "root_cid": root.cid}
    assert got.cursor == str(time_us_of(jetstream, sent.uri))
    assert jetstream.cursors[0] == 0  # the saved cursor was passed on


async def test_noise_edits_and_the_brands_own_posts_are_dropped(bluesky_network, jetstream, accounts, as_user):
    olek, tandem = await as_user("olek"), await as_user("tandem")
    did = accounts["olek"].did
    kept = [await post(olek, did, "My MARMOTCRANK creaks"), await post(olek, did, "marmotcrank, why?")]
    dropped = [await post(olek, did, "marmotcranks everywhere"), await post(olek, did, "#notmarmotcrank2 no"),
               await post(tandem, accounts["tandem"].did, "marmotcrank news from the brand itself")]
    subject = models.ComAtprotoRepoStrongRef.Main(uri=kept[0].uri, cid=kept[0].cid)
    now = olek.get_current_time_iso()
    await olek.app.bsky.feed.like.create(did, models.AppBskyFeedLike.Record(subject=subject, created_at=now))
    await olek.app.bsky.graph.follow.create(
        did, models.AppBskyGraphFollow.Record(subject=accounts["maria"].did, created_at=now))
    # A rewrite of a kept post (an "update"; the app cannot edit posts) is not a second mention.
    await olek.com.atproto.repo.put_record(models.ComAtprotoRepoPutRecord.Data(
        repo=did, collection="app.bsky.feed.post", rkey=kept[1].uri.rsplit("/", 1)[1],
        record={"$type": "app.bsky.feed.post", "text": "marmotcrank, why? (rewritten)", "createdAt": now}))
    last = await post(olek, did, "last marmotcrank post")
    await jetstream.wait_for(lambda e: e.get("commit", {}).get("operation") == "update"
                             and e["commit"]["rkey"] == kept[1].uri.rsplit("/", 1)[1])

    source = make_source(bluesky_network, jetstream, accounts, terms=["marmotcrank"])
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: last.uri in mention_ids(s))

    ids = mention_ids(seen)
    assert [i for i in ids if i in {p.uri for p in kept + dropped}] == [p.uri for p in kept]
    assert "(rewritten)" not in " ".join(i.mention.text for i in seen if i.mention)


async def test_deleted_post_is_reported(bluesky_network, jetstream, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test never mind, found the charger")
    assert await maria.delete_post(sent.uri)
    async with aclosing(make_source(bluesky_network, jetstream, accounts).items("0")) as items:
        seen = await collect_until(items, lambda s: any(i.deleted_id == sent.uri for i in s))
    assert sent.uri in mention_ids(seen)  # first the post, then its deletion
    gone = next(i for i in seen if i.deleted_id == sent.uri)
    assert gone.mention is None and int(gone.cursor) > time_us_of(jetstream, sent.uri)


async def test_restart_from_saved_cursor_sees_every_post_once(bluesky_network, jetstream, accounts, as_user):
    olek = await as_user("olek")
    sent = [await post(olek, accounts["olek"].did, f"otterspoke review part {n}") for n in range(20)]
    wanted = {p.uri for p in sent}

    saved: str | None = "0"
    first: list[str] = []
    source = make_source(bluesky_network, jetstream, accounts, terms=["otterspoke"], brand=False)
    async with asyncio.timeout(WAIT), aclosing(source.items(saved)) as items:
        async for item in items:  # store, then save the cursor, as the core does
            if item.mention and item.mention.external_id in wanted:
                first.append(item.mention.external_id)
            saved = item.cursor or saved
            if len(first) == 7:
                break

    restarted = make_source(bluesky_network, jetstream, accounts, terms=["otterspoke"], brand=False)
    async with aclosing(restarted.items(saved)) as items:
        seen = await collect_until(items, lambda s: len(first) + len(wanted & set(mention_ids(s))) >= 20)
    second = [i for i in mention_ids(seen) if i in wanted]
    assert len(first) == 7
    assert sorted(first + second) == sorted(wanted)  # none lost, none twice
    assert second[0] == sent[7].uri
    assert jetstream.cursors[-1] == int(saved)  # the server replays the saved event; the source skips it


async def test_dropped_connection_resumes_without_loss_or_duplicates(bluesky_network, jetstream, accounts, as_user):
    olek = await as_user("olek")
    source = make_source(bluesky_network, jetstream, accounts, terms=["lemurgear"], brand=False)
    before = [await post(olek, accounts["olek"].did, f"lemurgear note {n}") for n in range(3)]
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: before[-1].uri in mention_ids(s))
        last_cursor = next(i.cursor for i in reversed(seen) if i.cursor)
        jetstream.drop()
        after = [await post(olek, accounts["olek"].did, f"lemurgear note {n}") for n in range(3, 6)]
        seen += await collect_until(items, lambda s: after[-1].uri in mention_ids(s))
    ours = [i for i in mention_ids(seen) if i in {p.uri for p in before + after}]
    assert ours == [p.uri for p in before + after]  # in order, each once
    assert jetstream.connections == 2 and jetstream.cursors[1] >= int(last_cursor)


async def test_quiet_stream_still_moves_the_cursor(bluesky_network, jetstream, accounts, as_user):
    maria = await as_user("maria")
    for n in range(4):
        await post(maria, accounts["maria"].did, f"just jetstream noise {n}")
    source = make_source(bluesky_network, jetstream, accounts, terms=["nothingmatchesthis"], brand=False,
                         tick_every=3)
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: len(s) >= 2)
    assert all(i.mention is None and i.deleted_id is None for i in seen)
    assert int(seen[0].cursor) < int(seen[1].cursor)


async def test_check_reaches_the_pds_and_jetstream(bluesky_network, jetstream, accounts):
    source = make_source(bluesky_network, jetstream, accounts, handles=["@maria.test"])
    assert "accepts a websocket" in await source.check()
    bad = BlueskyJetstreamSource("b", bluesky_network.pds_url, jetstream.url.replace("/subscribe", "/nope"), [],
                                 [], plc_url=bluesky_network.plc_url)
    with pytest.raises(SourceCheckFailed, match="check jetstream_url"):
        await bad.check()
    missing = make_source(bluesky_network, jetstream, accounts, handles=["nobody.test"])
    with pytest.raises(SourceCheckFailed, match="nobody.test"):
        await missing.check()


async def test_a_firehose_seq_left_in_the_cursor_means_listening_from_now(
        bluesky_network, jetstream, accounts, as_user):
    maria = await as_user("maria")
    old = await post(maria, accounts["maria"].did, "@tandem.test sent before the switch")
    await jetstream.wait_for(lambda e: e["did"] == accounts["maria"].did
                             and e.get("commit", {}).get("rkey") == old.uri.rsplit("/", 1)[1])
    reader = Reader(make_source(bluesky_network, jetstream, accounts), "4711")
    try:
        await jetstream.wait_connections(1)
        new = await post(maria, accounts["maria"].did, "@tandem.test sent after the switch")
        seen = await reader.wait(lambda s: new.uri in mention_ids(s))
    finally:
        await reader.stop()
    assert jetstream.cursors == [None] and old.uri not in mention_ids(seen)


def test_subscribe_url_asks_for_posts_only_from_the_cursor():
    source = BlueskyJetstreamSource("b", "http://127.0.0.1:1", "ws://127.0.0.1:1/subscribe", ["x"], [])
    assert source.subscribe_url(17) == "ws://127.0.0.1:1/subscribe?wantedCollections=app.bsky.feed.post&cursor=17"


async def test_saved_cursor_that_is_not_a_number_is_refused():
    source = BlueskyJetstreamSource("b", "http://127.0.0.1:1", "ws://127.0.0.1:1/subscribe", ["x"], [])
    with pytest.raises(ValueError, match="not a Jetstream time_us"):
        async with aclosing(source.items("abc")) as items:
            await anext(items)
