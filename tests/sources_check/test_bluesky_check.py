"""Bluesky on the real local network: a handle that does not resolve, a
firehose nobody serves, a wrong app password."""
from __future__ import annotations

from tests.sources_check.setups import Setup, check, lines


async def test_bluesky_problems_are_named(tmp_path, bluesky_network, accounts, closed_port):
    dead_firehose = f"ws://127.0.0.1:{closed_port}/xrpc"
    setup = (Setup(tmp_path)
             .bluesky(bluesky_network, "tandem.test", "wrong-app-pass-6c1d", watch=("maria.test", "nobody.test"))
             .bluesky(bluesky_network, "tandem.test", "wrong-app-pass-6c1d", name="relay", firehose_url=dead_firehose))

    result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    assert got["bsky (bluesky source)"].startswith(
        f"✗ watched handle @nobody.test does not resolve at {bluesky_network.pds_url} (")
    assert got["bsky (bluesky source)"].endswith("): fix watch_handles in rejoinder.yaml")
    assert got["bsky (bluesky publisher)"] == (
        f"✗ {bluesky_network.pds_url} refused the login of @tandem.test (Invalid identifier or password): check the "
        "handle and use an app password (Settings > App passwords); they come from BSKY_HANDLE, BSKY_PASSWORD")
    assert got["relay (bluesky source)"] == (
        f"✗ cannot reach {dead_firehose}/com.atproto.sync.subscribeRepos: connection refused")
    assert "wrong-app-pass-6c1d" not in result.output


async def test_a_saved_session_is_resumed_without_a_password_login(bluesky_network, accounts):
    from integrations.social.bluesky.network import BlueskyPublisher

    publisher = BlueskyPublisher(bluesky_network.pds_url, "tandem.test", "not-used-here",
                                 session_string=accounts["tandem"].session)
    try:
        text = await publisher.check()
    finally:
        await publisher.close()
    assert text == f"resumed the saved session as @tandem.test ({accounts['tandem'].did}) on {bluesky_network.pds_url}"
    assert publisher.password_logins == 0
