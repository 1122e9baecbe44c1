"""A workspace whose every source and publisher is reachable with good credentials."""
from __future__ import annotations

from tests.sources_check.setups import Setup, check, lines


async def test_every_source_and_publisher_passes(tmp_path, feeds, mastodon, reddit, x_api, bluesky_network,
                                                 accounts):
    feeds.append("/rss.xml", "Tandem chain slipped", author="maria")
    feeds.append("/rss.xml", "Tandem review")
    _, masto_token = mastodon.add_account("tandem")
    brand, token, secret = x_api.add_user("tandem", "Tandem Bikes")
    setup = (Setup(tmp_path).replay().webhook().rss(feeds.url("/rss.xml"))
             .mastodon(mastodon.url, masto_token)
             .reddit(reddit.base_url)
             .x(x_api.url, brand["id"], x_api.bearer_token, (x_api.consumer_key, x_api.consumer_secret, token, secret))
             .bluesky(bluesky_network, "tandem.test", accounts["tandem"].password))

    result = await check(setup)

    assert result.exit_code == 0, result.output
    got = lines(result)
    assert list(got) == [
        "demo (replay source)", "demo (replay publisher)", "hooks (webhook source)", "forum (rss source)",
        "masto (mastodon source)", "masto (mastodon publisher)", "reddit (reddit source)",
        "reddit (reddit publisher)", "x (x source)", "x (x publisher)", "bsky (bluesky source)",
        "bsky (bluesky publisher)"]
    assert all(text.startswith("✓ ") for text in got.values()), result.output
    assert got["demo (replay source)"] == f"✓ feed {tmp_path / 'feed.jsonl'} is readable: 1 mention"
    assert "the folder is writable" in got["demo (replay publisher)"]
    assert not (tmp_path / "replies.jsonl").exists()  # checked, not written
    assert got["hooks (webhook source)"] == "✓ can listen on 127.0.0.1 (a free port is picked at start); " \
                                            "signing secret set"
    assert got["forum (rss source)"] == "✓ feed answered 200, 2 entries, ETag and Last-Modified set"
    assert f"token valid for @tandem on {mastodon.url}" in got["masto (mastodon source)"]
    assert "#tandembikes readable" in got["masto (mastodon source)"]
    assert "posts up to 500 characters" in got["masto (mastodon publisher)"]
    assert got["reddit (reddit source)"] == f"✓ token valid for u/acme_support on {reddit.base_url}; r/acme, " \
                                            "r/ebikes readable"
    assert "brand account @tandem" in got["x (x source)"]
    assert got["x (x publisher)"].startswith(f"✓ signed in as @tandem (id {brand['id']})")
    assert "1 watched handle(s) resolve" in got["bsky (bluesky source)"]
    assert "firehose ws://127.0.0.1" in got["bsky (bluesky source)"]
    assert got["bsky (bluesky publisher)"].startswith(
        f"✓ logged in as @tandem.test ({accounts['tandem'].did})")
    # Read-only: nothing was posted anywhere and no stream rule was set.
    assert not [c for c in mastodon.calls if c.method != "GET"]
    assert not [c for c in x_api.calls if c.method != "GET"]
    assert not [c for c in reddit.calls if c.method == "POST" and c.path != "/api/v1/access_token"]
    assert "\x1b[" not in result.output  # plain text when not a terminal
    for secret in (masto_token, token, secret, x_api.bearer_token, "hunter2", "whsec-9c41d2a7e5",
                   accounts["tandem"].password):
        assert secret not in result.output
