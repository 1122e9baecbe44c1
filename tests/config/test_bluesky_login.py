"""A Bluesky source's brand login: both variables or neither, and each set."""
from textwrap import dedent

import pytest

from bot.config.loader import check_environment, parse_workspace
from bot.app.settings import Settings

TEAM = "teams:\n  - name: support\n    channel: help\n"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN",
                 "BSKY_HANDLE", "BSKY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read


def workspace(login: str):
    return parse_workspace(TEAM + dedent("""\
        sources:
          - type: bluesky
            name: brand
        """) + login, file="ws.yaml")


def found(ws) -> list[tuple[int | None, str]]:
    return [(i.line, i.field) for i in check_environment(ws, Settings(_env_file=None))]


def test_listen_only_source_needs_nothing():
    assert found(workspace("")) == []


def test_both_variables_named_and_set_is_fine(monkeypatch):
    ws = workspace("    handle_env: BSKY_HANDLE\n    password_env: BSKY_PASSWORD\n")
    monkeypatch.setenv("BSKY_HANDLE", "brand.example.com")
    monkeypatch.setenv("BSKY_PASSWORD", "app-pass")
    assert found(ws) == []


def test_unset_variables_are_named_at_their_lines():
    ws = workspace("    handle_env: BSKY_HANDLE\n    password_env: BSKY_PASSWORD\n")
    issues = check_environment(ws, Settings(_env_file=None))
    assert [(i.file, i.line, i.field) for i in issues] == [
        ("ws.yaml", 7, "sources[0].handle_env"), ("ws.yaml", 8, "sources[0].password_env")]
    assert "BSKY_HANDLE" in issues[0].message and "not set" in issues[0].message
    assert "BSKY_PASSWORD" in issues[1].message and "'brand'" in issues[1].message


def test_only_the_unset_one_is_reported(monkeypatch):
    ws = workspace("    handle_env: BSKY_HANDLE\n    password_env: BSKY_PASSWORD\n")
    monkeypatch.setenv("BSKY_HANDLE", "brand.example.com")
    assert found(ws) == [(8, "sources[0].password_env")]


def test_variable_from_dotenv_counts(tmp_path):
    ws = workspace("    handle_env: BSKY_HANDLE\n    password_env: BSKY_PASSWORD\n")
    (tmp_path / ".env").write_text("BSKY_HANDLE=brand.example.com\nBSKY_PASSWORD=app-pass\n", encoding="utf-8")
    assert found(ws) == []


def test_handle_without_password_names_the_missing_field(monkeypatch):
    monkeypatch.setenv("BSKY_HANDLE", "brand.example.com")
    issues = check_environment(workspace("    handle_env: BSKY_HANDLE\n"), Settings(_env_file=None))
    [issue] = issues
    # The missing key has no line of its own: the source's line is the closest.
    assert (issue.line, issue.field) == (5, "sources[0].password_env")
    assert "sets handle_env but not password_env" in issue.message


def test_password_without_handle_also_checks_the_named_variable():
    ws = workspace("    password_env: BSKY_PASSWORD\n")
    assert found(ws) == [(5, "sources[0].handle_env"), (7, "sources[0].password_env")]


def test_sources_are_checked_by_index(monkeypatch):
    ws = parse_workspace(TEAM + dedent("""\
        sources:
          - {type: webhook, name: hook, secret_env: HOOK_SECRET}
          - {type: bluesky, name: brand, handle_env: BSKY_HANDLE, password_env: BSKY_PASSWORD}
        """))
    monkeypatch.setenv("HOOK_SECRET", "s")
    monkeypatch.setenv("BSKY_PASSWORD", "p")
    assert found(ws) == [(6, "sources[1].handle_env")]
