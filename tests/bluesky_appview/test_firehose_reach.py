"""The firehose source asks a public AppView for each kept author's follower
count; an AppView that cannot answer costs only the count."""
from __future__ import annotations

import logging
from contextlib import aclosing

from integrations.social.bluesky.network import BlueskySource
from tests.bluesky.conftest import collect_until, mention_ids, post


def firehose_source(net, brand, appview_url: str | None) -> BlueskySource:
    return BlueskySource("bsky-reach", net.pds_url, net.firehose_url, [], [brand.handle], plc_url=net.plc_url,
                         appview_url=appview_url)


async def test_kept_post_carries_the_authors_followers(bluesky_appview_network, customers, new_brand, as_user):
    brand, maria = new_brand(), customers["maria"]
    sent = await post(await as_user(maria), maria.did, f"@{brand.handle} where is my order?")

    source = firehose_source(bluesky_appview_network, brand, bluesky_appview_network.appview_url)
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))

    mention = next(i.mention for i in seen if i.mention and i.mention.external_id == sent.uri)
    assert (mention.author.handle, mention.author.followers) == ("maria.test", 2)


async def test_unreachable_appview_leaves_followers_at_zero(bluesky_appview_network, customers, new_brand,
                                                            as_user, caplog):
    caplog.set_level(logging.WARNING, logger="integrations.social.bluesky.profiles")
    brand, maria = new_brand(), customers["maria"]
    sent = await post(await as_user(maria), maria.did, f"@{brand.handle} anyone there?")

    source = firehose_source(bluesky_appview_network, brand, "http://127.0.0.1:9")  # nothing listens there
    async with aclosing(source.items("0")) as items:
        seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))

    mention = next(i.mention for i in seen if i.mention and i.mention.external_id == sent.uri)
    assert (mention.author.handle, mention.author.followers) == ("maria.test", 0)
    assert "no follower count for" in caplog.text
