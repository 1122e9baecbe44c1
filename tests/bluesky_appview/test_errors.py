"""Polling through failures: an AppView outage backs off, a 429 waits for its reset."""
from __future__ import annotations

import time
from contextlib import aclosing

from aiohttp import web

from tests.bluesky.conftest import collect_until, mention_ids, post
from tests.bluesky_appview.conftest import POLL
from tests.bluesky_appview.faulty_pds import FaultyPds

LIST = "app.bsky.notification.listNotifications"


async def test_outage_backs_off_and_rate_limit_waits_for_reset(bluesky_appview_network, customers, new_brand,
                                                               as_user, new_source):
    relay = FaultyPds(bluesky_appview_network.pds_url)
    url = await relay.start()
    try:
        relay.fail_next(LIST, web.json_response(
            {"error": "UpstreamFailure", "message": "Upstream service unreachable"}, status=502))
        reset = int(time.time()) + 1
        relay.fail_next(LIST, web.json_response(
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, status=429,
            headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset),
                     "ratelimit-policy": "3000;w=300"}))
        brand, maria = new_brand(), customers["maria"]
        sent = await post(await as_user(maria), maria.did, f"@{brand.handle} is anyone there?")
        source = new_source(brand, service_url=url)
        async with aclosing(source.items(None)) as items:
            seen = await collect_until(items, lambda s: sent.uri in mention_ids(s))
    finally:
        await relay.close()

    assert mention_ids(seen) == [sent.uri]
    first, second, third = relay.calls[LIST][:3]
    assert second - first >= 2 * POLL  # backed off after the outage, more than one poll interval
    assert third >= reset - 0.01  # not before the rate limit's window reset
    assert source.session.password_logins == 1  # errors did not cost new logins
