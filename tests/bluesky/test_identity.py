"""Author handles: from the DID document, checked back, else from the PDS."""
from __future__ import annotations

import httpx

from integrations.social.bluesky.identity import HandleCache


async def test_handle_from_plc_and_from_pds_when_plc_is_unreachable(bluesky_network, accounts):
    maria = accounts["maria"]
    async with httpx.AsyncClient(timeout=5.0) as http:
        via_plc = HandleCache(http, bluesky_network.pds_url, bluesky_network.plc_url)
        assert await via_plc.handle(maria.did) == "maria.test"
        via_pds = HandleCache(http, bluesky_network.pds_url, "http://127.0.0.1:9")  # nothing listens there
        assert await via_pds.handle(maria.did) == "maria.test"
        assert await via_plc.did_of("@maria.test") == maria.did
        assert await via_plc.did_of("nobody-here.test") is None
        assert await via_plc.handle("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") is None


async def test_cache_is_bounded_and_identity_events_drop_entries(bluesky_network):
    async with httpx.AsyncClient() as http:
        cache = HandleCache(http, bluesky_network.pds_url, bluesky_network.plc_url, size=2)
        for n in range(3):
            cache.learn(f"did:plc:{n}", f"user{n}.test")
        assert await cache.handle("did:plc:2") == "user2.test"
        cache.on_identity("did:plc:2", "renamed.test")
        assert "did:plc:0" not in cache and "did:plc:2" not in cache and "did:plc:1" in cache
