"""Process settings and secrets, read from the environment and `.env`.

Secrets never live in rejoinder.yaml. They are `SecretStr`, and validation
errors hide their input, so a token cannot end up in a log line or a traceback.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_DB_SCHEMES = {
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
ENV_FILE = ".env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        frozen=True,
    )

    config_path: Path = Field(Path("rejoinder.yaml"), validation_alias="REJOINDER_CONFIG")
    # URLs may carry a password, so they stay out of repr too.
    database_url: str = Field(
        "sqlite+aiosqlite:///rejoinder.db", validation_alias="REJOINDER_DATABASE_URL", repr=False
    )
    redis_url: str | None = Field(None, repr=False)
    # Stream keys start with it: deployments sharing one Redis keep apart.
    # Several processes: a dead process's source is taken over after about this long, its
    # stream entries after 1.5 times it, its outbox rows after 3 times it.
    lease_seconds: float = Field(10.0, gt=0, le=3600, validation_alias="REJOINDER_LEASE_SECONDS")
    stream_prefix: str = Field("rejoinder", min_length=1, max_length=100, validation_alias="REJOINDER_STREAM_PREFIX")
    # Batches a pipeline process stores at once on PostgreSQL and Redis (one is parsed and routed
    # while another waits on the database); SQLite and the in-process bus take one at a time.
    pipeline_lanes: int = Field(2, ge=1, le=8, validation_alias="REJOINDER_PIPELINE_LANES")
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = Field(20.0, gt=0, le=600)
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    discord_bot_token: SecretStr | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # LOG_FORMAT=json: one JSON object per line
    # Prices per million tokens, for the LLM cost metric (none set: cost not counted).
    llm_price_input_per_mtok: float | None = Field(None, ge=0)
    llm_price_output_per_mtok: float | None = Field(None, ge=0)
    http_host: str = Field("127.0.0.1", validation_alias="REJOINDER_HTTP_HOST")
    http_port: int = Field(3000, ge=0, le=65535, validation_alias="REJOINDER_HTTP_PORT")

    def __init__(self, **values: Any) -> None:
        # Environment variables are looked up only by their documented names
        # (a stray DATABASE_URL must not be picked up), yet code and tests can
        # still write Settings(database_url=...).
        for name, field in type(self).model_fields.items():
            if name in values and isinstance(field.validation_alias, str):
                values[field.validation_alias] = values.pop(name)
        super().__init__(**values)

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.lower() not in _DB_SCHEMES:
            shown = scheme if sep else "(none)"
            raise ValueError(
                f"database URL scheme {shown!r} is not supported; use sqlite+aiosqlite:///file.db "
                "or postgresql+asyncpg://user:password@host/db"
            )
        return f"{_DB_SCHEMES[scheme.lower()]}://{rest}"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("slack_api_base_url", "openai_base_url")
    @classmethod
    def _http_url(cls, value: str | None, info) -> str | None:
        if value is None:
            return None
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
            raise ValueError(f"{info.field_name} must be an http(s) URL")
        if info.field_name == "slack_api_base_url" and not value.endswith("/"):
            value += "/"  # the Slack client joins method names onto it
        return value

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError("log format must be text or json")
        return fmt

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("openai_api_key", "slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_bot_token",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def env_secret(self, name: str) -> SecretStr | None:
        """A secret named in the workspace (e.g. a webhook's `secret_env`):
        the environment first, then the `.env` file in the current folder."""
        value = os.environ.get(name)
        if value is None and Path(ENV_FILE).is_file():
            value = dotenv_values(ENV_FILE).get(name)
        return SecretStr(value) if value else None

    def redacted_summary(self) -> dict[str, str]:
        """Every setting as text, secrets shown only as set / not set."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = "set"
            elif value is None:
                out[name] = "not set"
            elif name in ("database_url", "redis_url"):
                out[name] = _without_password(str(value))
            else:
                out[name] = str(value)
        return out


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
