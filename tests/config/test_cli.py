"""`rejoinder init` and `rejoinder config check` through typer's runner."""
import pytest
import typer
from typer.testing import CliRunner

from bot.app.cli.config_cmd import register
from bot.config.loader import starter_text

TEAM = "teams:\n  - name: support\n    channel: help\n"


@pytest.fixture
def app():
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("REJOINDER_CONFIG", "REJOINDER_DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
                 "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(app, *args):
    return CliRunner().invoke(app, list(args))


def test_init_writes_the_starter_and_refuses_to_overwrite(app, tmp_path):
    result = run(app, "init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rejoinder.yaml").read_text() == starter_text()
    (tmp_path / "rejoinder.yaml").write_text(TEAM)
    result = run(app, "init")
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "rejoinder.yaml").read_text() == TEAM
    assert run(app, "init", "--force").exit_code == 0
    assert (tmp_path / "rejoinder.yaml").read_text() == starter_text()


def test_init_to_another_path_then_check_it(app, tmp_path):
    assert run(app, "init", "--path", "conf.yaml").exit_code == 0
    result = run(app, "config", "check", "--config", "conf.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "OK: conf.yaml: 3 teams, 9 routes, 0 sources"
    assert "slack_bot_token: not set" in result.stdout


def test_check_prints_every_issue_and_fails(app, tmp_path):
    (tmp_path / "rejoinder.yaml").write_text(
        "teams:\n  - name: support\n    chanel: help\nroutes:\n  - {name: r, team: x, match: {keyword: a}}\n"
    )
    result = run(app, "config", "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "rejoinder.yaml:2:5: teams[0].channel: this key is required but missing",
        "rejoinder.yaml:3:5: teams[0].chanel: unknown key 'chanel' (did you mean 'channel'?)",
        "rejoinder.yaml:5:15: routes[0].team: route 'r' sends to unknown team 'x'; teams are: support",
    ]
    assert lines[-1] == "3 problems found."


def test_check_reports_environment_needs(app, tmp_path, monkeypatch):
    monkeypatch.setenv("REJOINDER_CONFIG", "ws.yaml")
    (tmp_path / "ws.yaml").write_text(TEAM + "  - {name: chat, platform: discord, channel: '1100000000000000001'}\n")
    result = run(app, "config", "check")
    assert result.exit_code == 1
    assert result.stdout.startswith("ws.yaml:4:18: teams[1].platform: team 'chat' uses discord: set DISCORD_BOT_TOKEN")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "secret-discord-token")
    result = run(app, "config", "check")
    assert result.exit_code == 0 and "discord_bot_token: set" in result.stdout
    assert "secret-discord-token" not in result.output


def test_check_reports_bad_settings_and_a_missing_file(app, monkeypatch):
    monkeypatch.setenv("REJOINDER_DATABASE_URL", "mysql://u:hunter2@h/db")
    result = run(app, "config", "check")
    assert result.exit_code == 1
    assert "environment: REJOINDER_DATABASE_URL: database URL scheme 'mysql' is not supported" in result.stdout
    assert "rejoinder.yaml: file not found" in result.stdout
    assert "hunter2" not in result.output
