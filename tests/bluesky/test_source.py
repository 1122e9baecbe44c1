"""BlueskySource against the real local PDS firehose."""
from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
from datetime import datetime

from atproto import models

from integrations.social.bluesky.network import BlueskySource
from tests.bluesky.conftest import WAIT, collect_until, mention_ids, post, reply_ref


def make_source(net, accounts, terms=(), handles=(), brand=True, **kw) -> BlueskySource:
    return BlueskySource("bsky-test", net.pds_url, net.firehose_url, list(terms), list(handles),
                         brand_did=accounts["tandem"].did if brand else None, plc_url=net.plc_url, **kw)


async def test_brand_mention_becomes_a_mention_with_all_fields(bluesky_network, accounts, as_user):
    maria = await as_user("maria")
    noise = await post(maria, accounts["maria"].did, "Lovely weather for a ride today")
    sent = await post(maria, accounts["maria"].did, "@tandem.test my battery won't charge")
    record = (await maria.app.bsky.feed.post.get(accounts["maria"].did, sent.uri.rsplit("/", 1)[1])).value
    assert record.facets and record.facets[0].features[0].did == accounts["tandem"].did

    async with aclosing(make_source(bluesky_network, accounts).items("0")) as items:
        seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))

    assert noise.uri not in mention_ids(seen)
    got = next(i for i in seen if i.mention and i.mention.external_id == sent.uri)
    m, rkey = got.mention, sent.uri.rsplit("/", 1)[1]
    assert (m.network, m.text, m.author.handle, m.author.followers) == (
        "bluesky", "@tandem.test my battery won't charge", "maria.test", 0)
    assert m.url == f"https://bsky.app/profile/maria.test/post/{rkey}"
    assert m.created_at == datetime.fromisoformat(record.created_at)
    assert (m.conversation_id, m.in_reply_to, m.lang) == (sent.uri, None, "en")
    assert m.reply_ref == {"uri": sent.uri, "cid": sent.cid, "root_uri": sent.uri, "root_cid": sent.cid}
    assert got.cursor is not None and int(got.cursor) > 0


async def test_terms_match_whole_words_only_and_noise_is_dropped(bluesky_network, accounts, as_user):
    olek = await as_user("olek")
    did = accounts["olek"].did
    kept = [await post(olek, did, "My ZEPHYRBIKE frame creaks"), await post(olek, did, "zephyrbike, why?")]
    dropped = [await post(olek, did, "zephyrbikes everywhere"), await post(olek, did, "#notzephyrbike2 no")]
    subject = models.ComAtprotoRepoStrongRef.Main(uri=kept[0].uri, cid=kept[0].cid)
    now = olek.get_current_time_iso()  # likes, reposts and follows are noise too
    await olek.app.bsky.feed.like.create(did, models.AppBskyFeedLike.Record(subject=subject, created_at=now))
    await olek.app.bsky.feed.repost.create(did, models.AppBskyFeedRepost.Record(subject=subject, created_at=now))
    await olek.app.bsky.graph.follow.create(
        did, models.AppBskyGraphFollow.Record(subject=accounts["maria"].did, created_at=now))
    last = await post(olek, did, "last zephyrbike post")

    source = make_source(bluesky_network, accounts, terms=["zephyrbike"], brand=False)
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: last.uri in mention_ids(s))

    ids = mention_ids(seen)
    assert [p.uri for p in kept] == [i for i in ids if i in {p.uri for p in kept}]
    assert not set(ids) & {p.uri for p in dropped}


async def test_watched_handle_is_matched_in_text(bluesky_network, accounts, as_user):
    maria = await as_user("maria")
    # no facet: typed without resolving, as some clients do
    plain = await maria.send_post("ping @TANDEM.test about the recall", profile_identify=accounts["maria"].did)
    longer = await maria.send_post("ask @tandem.test.example instead", profile_identify=accounts["maria"].did)
    source = make_source(bluesky_network, accounts, handles=["@tandem.test"], brand=False)
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: plain.uri in mention_ids(s))
    assert longer.uri not in mention_ids(seen)


async def test_reply_deep_in_a_thread_keeps_the_thread_root(bluesky_network, accounts, as_user):
    maria, olek = await as_user("maria"), await as_user("olek")
    root = await post(maria, accounts["maria"].did, "Ordered a new saddle last week")
    middle = await post(olek, accounts["olek"].did, "Same here", reply_to=reply_ref(root, root))
    deep = await post(maria, accounts["maria"].did, "@tandem.test still nothing shipped",
                      reply_to=reply_ref(root, middle))
    async with aclosing(make_source(bluesky_network, accounts).items("0")) as items:
        seen = await collect_until(items, lambda s: deep.uri in mention_ids(s))
    m = next(i.mention for i in seen if i.mention and i.mention.external_id == deep.uri)
    assert (m.conversation_id, m.in_reply_to) == (root.uri, middle.uri)
    assert m.reply_ref == {"uri": deep.uri, "cid": deep.cid, "root_uri": root.uri, "root_cid": root.cid}


async def test_deleted_post_is_reported(bluesky_network, accounts, as_user):
    maria = await as_user("maria")
    sent = await post(maria, accounts["maria"].did, "@tandem.test never mind, found it")
    assert await maria.delete_post(sent.uri)
    async with aclosing(make_source(bluesky_network, accounts).items("0")) as items:
        seen = await collect_until(items, lambda s: any(i.deleted_id == sent.uri for i in s))
    assert sent.uri in mention_ids(seen)  # first the post, then its deletion
    gone = next(i for i in seen if i.deleted_id == sent.uri)
    assert gone.mention is None and gone.cursor is not None


async def test_malformed_record_is_reported_and_the_stream_goes_on(bluesky_network, accounts, as_user, caplog):
    maria = await as_user("maria")
    did = accounts["maria"].did
    # validate=False lets a broken post through the PDS, as any custom client could send it.
    broken = await maria.com.atproto.repo.create_record(models.ComAtprotoRepoCreateRecord.Data(
        repo=did, collection="app.bsky.feed.post", validate=False,
        record={"$type": "app.bsky.feed.post", "text": "quokkagear rules", "createdAt": "yesterday",
                "reply": {"root": "not a ref"}}))
    good = await post(maria, did, "quokkagear after the broken one")
    source = make_source(bluesky_network, accounts, terms=["quokkagear"], brand=False)
    with caplog.at_level(logging.WARNING, logger="integrations.social"):
        async with aclosing(source.items("0")) as items:
            seen = await collect_until(items, lambda s: good.uri in mention_ids(s))
    assert broken.uri not in mention_ids(seen)
    assert any(broken.uri in r.getMessage() and "reply" in r.getMessage() for r in caplog.records)


async def test_restart_from_saved_cursor_sees_every_post_once(bluesky_network, accounts, as_user):
    olek = await as_user("olek")
    sent = [await post(olek, accounts["olek"].did, f"wombatwheel review part {n}") for n in range(20)]
    wanted = {p.uri for p in sent}
    source = make_source(bluesky_network, accounts, terms=["wombatwheel"], brand=False)

    saved: str | None = "0"
    first: list[str] = []
    async with asyncio.timeout(WAIT), aclosing(source.items(saved)) as items:
        async for item in items:  # store, then save the cursor, as the core does
            if item.mention and item.mention.external_id in wanted:
                first.append(item.mention.external_id)
            saved = item.cursor or saved
            if len(first) == 7:
                break

    restarted = make_source(bluesky_network, accounts, terms=["wombatwheel"], brand=False)
    async with aclosing(restarted.items(saved)) as items:
        seen = await collect_until(items, lambda s: len(first) + len(wanted & set(mention_ids(s))) >= 20)
    second = [i for i in mention_ids(seen) if i in wanted]
    assert len(first) == 7
    assert sorted(first + second) == sorted(wanted)  # none lost, none twice
    assert second[0] == sent[7].uri


async def test_quiet_stream_still_moves_the_cursor(bluesky_network, accounts, as_user):
    maria = await as_user("maria")
    for n in range(4):
        await post(maria, accounts["maria"].did, f"just noise {n}")
    source = make_source(bluesky_network, accounts, terms=["nothingmatchesthis"], brand=False, tick_every=3)
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: len(ticks(s)) >= 2)
    assert all(i.mention is None for i in seen)
    assert int(ticks(seen)[0].cursor) < int(ticks(seen)[1].cursor)


def ticks(items):
    return [i for i in items if i.mention is None and i.deleted_id is None]
