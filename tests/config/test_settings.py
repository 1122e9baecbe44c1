"""Settings from the environment and .env; secrets never leak into text."""
import pytest
from pydantic import ValidationError

from bot.app.settings import Settings

TOKEN = "xoxb-0000-very-secret-token"
ENV_NAMES = (
    "REJOINDER_CONFIG", "REJOINDER_DATABASE_URL", "DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "OPENAI_MODEL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_BASE_URL",
    "DISCORD_BOT_TOKEN", "LOG_LEVEL", "REJOINDER_HTTP_PORT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    s = Settings()
    assert str(s.config_path) == "rejoinder.yaml"
    assert s.database_url == "sqlite+aiosqlite:///rejoinder.db"
    assert s.openai_model == "gpt-4o-mini" and s.openai_timeout == 20
    assert s.slack_api_base_url == "https://slack.com/api/"
    assert (s.http_host, s.http_port, s.log_level) == ("127.0.0.1", 3000, "INFO")
    assert s.slack_bot_token is None and s.redis_url is None


def test_environment_names(monkeypatch):
    monkeypatch.setenv("REJOINDER_CONFIG", "conf/ws.yaml")
    monkeypatch.setenv("REJOINDER_DATABASE_URL", "postgres://u:pw@db/rejoinder")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_BASE_URL", "http://127.0.0.1:8080/api")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    s = Settings()
    assert str(s.config_path) == "conf/ws.yaml"
    assert s.database_url == "postgresql+asyncpg://u:pw@db/rejoinder"
    assert s.slack_bot_token.get_secret_value() == TOKEN
    assert s.slack_api_base_url == "http://127.0.0.1:8080/api/"
    assert s.log_level == "DEBUG"


def test_a_generic_database_url_variable_is_not_picked_up(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://other-app/db")
    assert Settings().database_url == "sqlite+aiosqlite:///rejoinder.db"


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={TOKEN}\nOPENAI_MODEL=gpt-test\nUNRELATED=1\n")
    s = Settings()
    assert s.slack_bot_token.get_secret_value() == TOKEN and s.openai_model == "gpt-test"


def test_field_names_work_as_arguments():
    s = Settings(_env_file=None, database_url="postgresql://h/db", http_port=8000)
    assert s.database_url == "postgresql+asyncpg://h/db" and s.http_port == 8000


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite:///x.db", "rejoinder.db"])
def test_unsupported_database_schemes(url):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, database_url=url)
    assert "sqlite+aiosqlite" in str(caught.value)


def test_bad_values_are_named():
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, log_level="LOUD", http_port=70000, redis_url="http://x")
    fields = {e["loc"][0] for e in caught.value.errors()}
    assert fields == {"log_level", "REJOINDER_HTTP_PORT", "redis_url"}


def test_secrets_stay_out_of_repr_and_errors():
    s = Settings(_env_file=None, slack_bot_token=TOKEN, openai_api_key=TOKEN, database_url=f"postgresql://u:{TOKEN}@h/db")
    assert TOKEN not in repr(s) and TOKEN not in str(s)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, slack_bot_token=TOKEN, log_level="LOUD", database_url=f"mysql://u:{TOKEN}@h/db")
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_redacted_summary_shows_presence_only():
    s = Settings(_env_file=None, slack_bot_token=TOKEN, database_url=f"postgresql://u:{TOKEN}@h/db")
    summary = s.redacted_summary()
    assert summary["slack_bot_token"] == "set" and summary["discord_bot_token"] == "not set"
    assert summary["database_url"] == "postgresql+asyncpg://u:***@h/db"
    assert TOKEN not in str(summary)


def test_blank_secret_counts_as_unset(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "  ")
    assert Settings().slack_bot_token is None
