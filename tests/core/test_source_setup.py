"""Every source type in the workspace file builds its integration."""
from __future__ import annotations

from bot.config.loader import check_environment, parse_workspace
from bot.app.settings import Settings
from bot.app.sources import SavedSessions, build_sources

WORKSPACE = """
version: 1
teams: [{name: support, channel: "#support"}]
sources:
  - {type: replay, name: feed, path: feed.jsonl}
  - {type: bluesky, name: bsky, service_url: "http://127.0.0.1:1", handle_env: BSKY_H, password_env: BSKY_P, notifications: true, appview_url: "http://127.0.0.1:2"}
  - type: reddit
    name: reddit
    subreddits: [ebikes]
    keywords: [tandem]
    user_agent: "rejoinder-test/1.0 by acme"
    client_id_env: R_ID
    client_secret_env: R_SECRET
    username_env: R_USER
    password_env: R_PASS
  - {type: rss, name: reviews, url: "http://127.0.0.1:1/feed.xml", keywords: [tandem]}
  - {type: webhook, name: hook, secret_env: HOOK_SECRET, port: 0}
  - {type: mastodon, name: masto, api_base_url: "http://127.0.0.1:1", access_token_env: M_TOKEN, hashtags: [tandem]}
  - type: x
    name: x
    brand_user_id: "42"
    rules: ["@tandembikes"]
    bearer_token_env: X_BEARER
    consumer_key_env: X_CK
    consumer_secret_env: X_CS
    access_token_env: X_AT
    access_token_secret_env: X_ATS
"""
ENV = {"BSKY_H": "acme.test", "BSKY_P": "pw", "R_ID": "id", "R_SECRET": "s", "R_USER": "acme", "R_PASS": "pw",
       "HOOK_SECRET": "hush", "M_TOKEN": "t", "X_BEARER": "b", "X_CK": "1", "X_CS": "2", "X_AT": "3", "X_ATS": "4"}


def test_each_source_type_builds(tmp_path, monkeypatch):
    (tmp_path / "feed.jsonl").write_text("")
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    ws = parse_workspace(WORKSPACE, "rejoinder.yaml", base_dir=tmp_path)
    assert check_environment(ws, Settings()) == []
    sources, publishers = build_sources(ws, Settings(), tmp_path)
    assert [type(s).__name__ for s in sources] == ["ReplaySource", "BlueskySource", "BlueskyMentionsSource",
                                                   "RedditSource", "RssSource", "WebhookSource", "MastodonSource",
                                                   "XSource"]
    assert [s.name for s in sources][1:3] == ["bsky", "bsky-notifications"]
    assert [s.appview_url for s in sources[1:3]] == ["http://127.0.0.1:2"] * 2  # reach and notifications
    assert sorted(publishers) == ["*", "bluesky", "mastodon", "reddit", "x"]
    assert sources[2].session is publishers["bluesky"].session  # one login for the brand account


def test_saved_sessions_have_reserved_names_that_fit_the_cursors_table():
    assert SavedSessions.key("bluesky", "@Tandem.test") == "session:bluesky:tandem.test"
    long = SavedSessions.key("bluesky", "a" * 240 + ".test")
    assert long.startswith("session:bluesky:sha256:") and len(long) <= 100


def test_missing_secrets_are_reported_with_lines(tmp_path, monkeypatch):
    (tmp_path / "feed.jsonl").write_text("")
    for key in ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    ws = parse_workspace(WORKSPACE.replace("    password_env: R_PASS\n", "").replace("    access_token_secret_env: X_ATS\n", ""),
                         "rejoinder.yaml", base_dir=tmp_path)
    found = {(i.line, i.field): i.message for i in check_environment(ws, Settings())}
    assert "reddit source 'reddit' sets username_env but not password_env" in found[(7, "sources[2].password_env")]
    assert "reads its client secret from R_SECRET, which is not set" in found[(13, "sources[2].client_secret_env")]
    assert "webhook source 'hook' reads its secret from HOOK_SECRET" in found[(16, "sources[4].secret_env")]
    assert (6, "sources[1].handle_env") in found
    assert "sets consumer_key_env, consumer_secret_env, access_token_env but not access_token_secret_env" in \
        found[(18, "sources[6].access_token_secret_env")]


def test_bluesky_notifications_need_the_login(tmp_path):
    from bot.config.loader import ConfigError

    bad = "version: 1\nteams: [{name: s, channel: c}]\nsources:\n  - {type: bluesky, name: b, notifications: true}\n"
    try:
        parse_workspace(bad, "rejoinder.yaml", base_dir=tmp_path)
    except ConfigError as exc:
        assert "notifications: true needs handle_env and password_env" in str(exc)
        assert "rejoinder.yaml:4" in str(exc)
    else:
        raise AssertionError("accepted notifications without a login")


def test_bluesky_listens_to_jetstream_or_the_firehose_not_both(tmp_path):
    from bot.config.loader import ConfigError

    head = "version: 1\nteams: [{name: s, channel: c}]\nsources:\n  - {type: bluesky, name: b, "
    jet = "jetstream_url: 'wss://jetstream2.us-east.bsky.network/subscribe'"
    ws = parse_workspace(head + jet + "}\n", "rejoinder.yaml", base_dir=tmp_path)
    sources, _ = build_sources(ws, Settings(), tmp_path)
    assert [type(s).__name__ for s in sources] == ["BlueskyJetstreamSource"]
    assert sources[0].jetstream_url == "wss://jetstream2.us-east.bsky.network/subscribe"
    try:
        parse_workspace(head + jet + ", firehose_url: 'wss://bsky.network/xrpc'}\n", "rejoinder.yaml",
                        base_dir=tmp_path)
    except ConfigError as exc:
        assert "set firehose_url or jetstream_url, not both" in str(exc)
        assert "rejoinder.yaml:4" in str(exc)
    else:
        raise AssertionError("accepted both firehose_url and jetstream_url")
