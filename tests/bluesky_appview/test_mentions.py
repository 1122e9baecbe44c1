"""BlueskyMentionsSource against the real local AppView: what it yields and how."""
from __future__ import annotations

from contextlib import aclosing

import pytest
from atproto import models
from atproto_client.models.utils import get_model_as_dict

from bot.ports import Source
from integrations.social.bluesky.records import parse_post_record
from tests.bluesky.conftest import collect_until, mention_ids, post, reply_ref
from tests.bluesky_appview.conftest import wait_until


@pytest.mark.parametrize("route", ["pds-appview", "proxy-header"])
async def test_mention_of_the_brand_is_yielded_with_followers(route, bluesky_appview_network, customers,
                                                              new_brand, as_user, new_source):
    brand, maria = new_brand(), customers["maria"]
    client = await as_user(maria)
    sent = await post(client, maria.did, f"@{brand.handle} my order #4411 never arrived")
    options = {"appview_did": bluesky_appview_network.appview_did} if route == "proxy-header" else {}
    source = new_source(brand, **options)
    assert isinstance(source, Source)

    async with aclosing(source.items(None)) as items:
        seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))

    got = next(i for i in seen if i.mention and i.mention.external_id == sent.uri)
    m = got.mention
    assert (m.author.handle, m.author.followers, m.author.url) == (
        "maria.test", 2, "https://bsky.app/profile/maria.test")
    assert m.text == f"@{brand.handle} my order #4411 never arrived"
    # The firehose maps the same record to the same mention, so the pipeline stores the post once.
    stored = await client.com.atproto.repo.get_record(models.ComAtprotoRepoGetRecord.Params(
        repo=maria.did, collection="app.bsky.feed.post", rkey=sent.uri.rsplit("/", 1)[1]))
    from_firehose = parse_post_record(maria.did, sent.uri.rsplit("/", 1)[1], sent.cid,
                                      get_model_as_dict(stored.value), "maria.test")
    assert m.model_dump(exclude={"author"}) == from_firehose.model_dump(exclude={"author"})
    assert m.reply_ref == {"uri": sent.uri, "cid": sent.cid, "root_uri": sent.uri, "root_cid": sent.cid}
    assert got.cursor and '"floor"' in got.cursor
    assert source.session.password_logins == 1  # one login, reused for every poll


async def test_replies_and_quotes_are_yielded_and_noise_is_not(customers, new_brand, as_user, new_source):
    brand = new_brand()
    shop, olek, maria = await as_user(brand), await as_user(customers["olek"]), await as_user(customers["maria"])
    announcement = await post(shop, brand.did, "We are open on Sunday")
    subject = models.ComAtprotoRepoStrongRef.Main(uri=announcement.uri, cid=announcement.cid)
    now = olek.get_current_time_iso()
    await olek.app.bsky.feed.like.create(customers["olek"].did,
                                         models.AppBskyFeedLike.Record(subject=subject, created_at=now))
    await olek.app.bsky.feed.repost.create(customers["olek"].did,
                                           models.AppBskyFeedRepost.Record(subject=subject, created_at=now))
    await olek.app.bsky.graph.follow.create(customers["olek"].did,
                                            models.AppBskyGraphFollow.Record(subject=brand.did, created_at=now))
    unrelated = await post(maria, customers["maria"].did, "Lovely weather for a ride")
    noise = {"like", "repost", "follow"}

    async def noise_listed() -> bool:  # so the source's first poll has the noise to drop
        listed = await shop.app.bsky.notification.list_notifications()
        return noise <= {n.reason for n in listed.notifications}
    await wait_until(noise_listed, "the like, repost and follow notifications")

    reply = await post(olek, customers["olek"].did, "Great, see you then",
                       reply_to=reply_ref(announcement, announcement))
    quote = await maria.send_post("Finally!", profile_identify=customers["maria"].did,
                                  embed=models.AppBskyEmbedRecord.Main(record=subject))
    wanted = {reply.uri, quote.uri}
    async with aclosing(new_source(brand).items(None)) as items:
        seen = await collect_until(items, lambda s: wanted <= set(mention_ids(s)))

    ids = mention_ids(seen)
    assert sorted(ids) == sorted(wanted) and unrelated.uri not in ids
    by_id = {i.mention.external_id: i.mention for i in seen}
    assert by_id[reply.uri].in_reply_to == announcement.uri
    assert by_id[reply.uri].conversation_id == announcement.uri
    assert by_id[reply.uri].author.followers == 0  # olek has no followers
    assert by_id[quote.uri].text == "Finally!"
