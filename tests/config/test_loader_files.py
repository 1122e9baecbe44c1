"""Files the workspace refers to, and what it needs from the environment."""
from textwrap import dedent

import pytest

from bot.config.loader import ConfigError, check_environment, load_workspace, parse_workspace
from bot.app.settings import Settings

TEAM = "teams:\n  - name: support\n    channel: help\n"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN", "HOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_guidelines_document_is_loaded_relative_to_the_file(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "voice.md").write_text("# Voice\nBe kind.\n", encoding="utf-8")
    ws_file = tmp_path / "rejoinder.yaml"
    ws_file.write_text(TEAM + "guidelines:\n  document: docs/voice.md\n", encoding="utf-8")
    ws = load_workspace(ws_file)
    assert ws.guidelines.document == "docs/voice.md"
    assert ws.guidelines.text == "# Voice\nBe kind.\n"


def test_missing_guidelines_document_is_an_error_at_its_line(tmp_path):
    ws_file = tmp_path / "rejoinder.yaml"
    ws_file.write_text(TEAM + "guidelines:\n  document: voice.md\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_workspace(ws_file)
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.field) == (str(ws_file), 5, "guidelines.document")
    assert "'voice.md' not found" in issue.message


def test_replay_source_file_must_exist(tmp_path):
    text = TEAM + dedent("""\
        sources:
          - type: replay
            name: sample
            path: mentions.jsonl
        """)
    with pytest.raises(ConfigError) as caught:
        parse_workspace(text, base_dir=tmp_path)
    [issue] = caught.value.issues
    assert (issue.line, issue.field) == (7, "sources[0].path")
    assert "replay file 'mentions.jsonl' not found" in issue.message
    (tmp_path / "mentions.jsonl").write_text("", encoding="utf-8")
    assert parse_workspace(text, base_dir=tmp_path).sources[0].path == "mentions.jsonl"


def test_file_problems_are_reported_with_schema_problems(tmp_path):
    text = TEAM + "guidelines:\n  document: voice.md\n  profanity: shout\n"
    with pytest.raises(ConfigError) as caught:
        parse_workspace(text, base_dir=tmp_path)
    assert [i.field for i in caught.value.issues] == ["guidelines.document", "guidelines.profanity"]


def test_missing_workspace_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_workspace(tmp_path / "absent.yaml")
    assert "rejoinder init" in str(caught.value)


def test_slack_team_needs_tokens_named_at_the_team_line(clean_env):
    ws = parse_workspace(TEAM + "  - name: sales\n    platform: slack\n    channel: C1\n", file="ws.yaml")
    found = check_environment(ws, settings())
    assert [(i.file, i.line, i.field) for i in found] == [("ws.yaml", 5, "teams[1].platform")] * 2
    assert "SLACK_BOT_TOKEN" in found[0].message and "SLACK_APP_TOKEN" in found[1].message
    assert check_environment(ws, settings(slack_bot_token="xoxb-1", slack_signing_secret="s")) == []
    assert check_environment(ws, settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")) == []


def test_discord_team_needs_its_token(clean_env):
    ws = parse_workspace("teams:\n  - {name: a, platform: discord, channel: '1100000000000000001'}\n")
    [issue] = check_environment(ws, settings())
    assert issue.line == 2 and "DISCORD_BOT_TOKEN" in issue.message
    assert check_environment(ws, settings(discord_bot_token="d")) == []


def test_webhook_secret_must_be_set_in_environment_or_dotenv(clean_env, monkeypatch, tmp_path):
    ws = parse_workspace(TEAM + "sources:\n  - {type: webhook, name: hook, secret_env: HOOK_SECRET}\n")
    [issue] = check_environment(ws, settings())
    assert (issue.line, issue.field) == (5, "sources[0].secret_env")
    assert "HOOK_SECRET" in issue.message
    (tmp_path / ".env").write_text("HOOK_SECRET=from-file\n", encoding="utf-8")
    assert check_environment(ws, settings()) == []
    (tmp_path / ".env").unlink()
    monkeypatch.setenv("HOOK_SECRET", "from-env")
    assert check_environment(ws, settings()) == []


def test_console_only_workspace_needs_nothing(clean_env):
    assert check_environment(parse_workspace(TEAM), settings()) == []


def test_workspace_built_without_the_loader_still_gets_checked(clean_env):
    ws = parse_workspace("teams:\n  - {name: a, platform: discord, channel: '1100000000000000001'}\n")
    copy = ws.model_copy()
    [issue] = check_environment(copy, settings())
    assert issue.line is None and issue.field == "teams[0].platform"
