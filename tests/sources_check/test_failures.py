"""Rejected credentials, closed ports, missing files and secrets: each source
gets a ✗ line with the plain reason, the exit code is 1, and no secret value
is ever printed."""
from __future__ import annotations

import socket
import time

from tests.bluesky_net.harness import BlueskyNetwork
from tests.sources_check.setups import Setup, check, lines


def assert_no_secrets(setup: Setup, output: str, keep=("BSKY_HANDLE", "REDDIT_USERNAME")) -> None:
    for name, value in setup.env.items():
        if value and name not in keep:
            assert value not in output, f"the value of {name} was printed"


async def test_rejected_credentials_name_the_variables_they_come_from(tmp_path, mastodon, reddit, x_api):
    brand, token, _ = x_api.add_user("tandem", "Tandem Bikes")
    setup = (Setup(tmp_path).mastodon(mastodon.url, "masto-token-not-issued-41f0")
             .reddit(reddit.base_url, client_secret="reddit-secret-wrong-77c2")
             .x(x_api.url, brand["id"], "x-bearer-wrong-5d1e",
                (x_api.consumer_key, x_api.consumer_secret, token, "x-access-secret-wrong-0b9a")))

    result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    masto = (f"✗ Mastodon at {mastodon.url} rejected the access token (401): create a token with read and "
             "write:statuses (Preferences > Development); it comes from MASTODON_TOKEN")
    assert got["masto (mastodon source)"] == masto
    assert got["masto (mastodon publisher)"] == masto
    reddit_app = ("✗ Reddit rejected the app's client id and secret (401): copy them from "
                  "https://www.reddit.com/prefs/apps (a \"script\" app); they come from REDDIT_CLIENT_ID, "
                  "REDDIT_CLIENT_SECRET")
    assert got["reddit (reddit source)"] == reddit_app
    assert got["reddit (reddit publisher)"] == reddit_app
    assert got["x (x source)"] == ("✗ X rejected the bearer token (401): copy the app's bearer token from the "
                                   "developer portal; it comes from X_BEARER")
    assert got["x (x publisher)"].startswith("✗ X rejected the OAuth 1.0a keys (401): check the app's consumer key")
    assert got["x (x publisher)"].endswith(
        "they come from X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET")
    assert_no_secrets(setup, result.output)


async def test_wrong_password_and_unknown_subreddits(tmp_path, reddit):
    reddit.private.add("staffonly")
    setup = Setup(tmp_path).reddit(reddit.base_url, password="not-the-password-93")
    setup.add({"type": "reddit", "name": "reddit-2", "subreddits": ["acme", "gone"], "user_agent": "rejoinder tests",
               "base_url": reddit.base_url, "client_id_env": "REDDIT_CLIENT_ID",
               "client_secret_env": "REDDIT_CLIENT_SECRET"})
    setup.add({"type": "reddit", "name": "reddit-3", "subreddits": ["staffonly"], "user_agent": "rejoinder tests",
               "base_url": reddit.base_url, "client_id_env": "REDDIT_CLIENT_ID",
               "client_secret_env": "REDDIT_CLIENT_SECRET"})

    result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    login = ("✗ Reddit refused the login of u/acme_support (invalid_grant): check the username and password (an "
             "account with two-factor login cannot log in this way); they come from REDDIT_USERNAME, REDDIT_PASSWORD")
    assert got["reddit (reddit source)"] == login
    assert got["reddit (reddit publisher)"] == login
    assert got["reddit-2 (reddit source)"] == "✗ r/gone does not exist (or is banned): fix subreddits in rejoinder.yaml"
    assert got["reddit-3 (reddit source)"] == ("✗ r/staffonly is private or quarantined (403): this account cannot "
                                               "read it")
    assert_no_secrets(setup, result.output)


async def test_unreachable_addresses_say_connection_refused(tmp_path, closed_port):
    dead = f"http://127.0.0.1:{closed_port}"
    nowhere = BlueskyNetwork(dead, dead, f"ws://127.0.0.1:{closed_port}/xrpc")
    setup = (Setup(tmp_path).rss(dead + "/feed.xml").mastodon(dead, "masto-token-3a8e")
             .reddit(dead, client_secret="reddit-secret-7d2c")
             .x(dead, "2244994945", "x-bearer-61fa", ("ck-5e0", "cs-7a1", "at-9c3", "as-2b8"))
             .bluesky(nowhere, "tandem.test", "app-pass-4f2a-9e1c"))

    result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    refused = f"✗ cannot reach {dead}: connection refused"
    for label in ("masto (mastodon source)", "masto (mastodon publisher)", "reddit (reddit source)",
                  "reddit (reddit publisher)", "x (x source)", "x (x publisher)", "bsky (bluesky source)",
                  "bsky (bluesky publisher)"):
        assert got[label] == refused, label
    assert got["forum (rss source)"] == f"✗ cannot reach {dead}/feed.xml: connection refused"
    assert_no_secrets(setup, result.output)


async def test_missing_feed_file_is_reported_at_its_line(tmp_path):
    setup = Setup(tmp_path).replay()
    (tmp_path / "feed.jsonl").unlink()

    result = await check(setup)

    assert result.exit_code == 1
    path = tmp_path / "rejoinder.yaml"
    assert result.output.startswith(f"{path}:7:3: sources[0].path: replay file 'feed.jsonl' not found")
    assert "✓" not in result.output and "✗" not in result.output  # nothing was checked


async def test_webhook_port_in_use_and_missing_secret(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        setup = Setup(tmp_path).replay().webhook(port=port).mastodon("http://127.0.0.1:9", "unused")
        setup.env["MASTODON_TOKEN"] = None

        result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    assert got["hooks (webhook source)"] == (
        f"✗ cannot listen on 127.0.0.1 port {port}: another program is listening there (is rejoinder already "
        "running?); change host or port in rejoinder.yaml")
    assert got["masto (mastodon source)"] == ("✗ mastodon source 'masto' reads its access token from "
                                              "MASTODON_TOKEN, which is not set")
    assert got["demo (replay source)"].startswith("✓ ")  # the other sources are still checked
    assert "masto (mastodon publisher)" not in got
    assert_no_secrets(setup, result.output)


async def test_settings_that_do_not_match_the_account(tmp_path, mastodon, x_api):
    _, masto_token = mastodon.add_account("someone_else")
    x_api.add_user("tandem")
    setup = (Setup(tmp_path).mastodon(mastodon.url, masto_token)
             .x(x_api.url, "123", x_api.bearer_token, ("ck-0c4f", "cs-8d2a", "at-5b7e", "as-1f9c")))

    result = await check(setup)

    assert result.exit_code == 1, result.output
    got = lines(result)
    assert got["masto (mastodon source)"] == (
        "✗ the access token belongs to @someone_else, not to brand_account @tandem: use the brand account's token "
        "or fix brand_account; it comes from MASTODON_TOKEN")
    assert got["masto (mastodon publisher)"].startswith("✓ token valid for @someone_else")
    assert got["x (x source)"] == ("✗ brand_user_id 123 is not a known X user: use the numeric id of the brand "
                                   "account")
    assert_no_secrets(setup, result.output)


async def test_a_server_that_never_answers_fails_each_check_after_5_seconds(tmp_path):
    with socket.socket() as silent:  # accepts connections (the backlog) but never reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(32)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        setup = (Setup(tmp_path).rss(url + "/feed.xml").mastodon(url, "masto-token-11aa")
                 .reddit(url, client_secret="reddit-secret-22bb")
                 .x(url, "2244994945", "x-bearer-33cc", ("ck-44dd", "cs-55ee", "at-66ff", "as-7700"))
                 .bluesky(BlueskyNetwork(url, url, url.replace("http", "ws") + "/xrpc"), "tandem.test", "pw-8811"))
        started = time.monotonic()

        result = await check(setup)

        elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    got = lines(result)
    assert len(got) == 9
    for label, text in got.items():
        assert text.endswith(": no answer within 5 s"), label
    assert elapsed < 15  # the checks run side by side, each request waits at most 5 s
    assert_no_secrets(setup, result.output)
