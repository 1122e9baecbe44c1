"""Log set-up for `rejoinder run`: plain lines, or one JSON object per line
with LOG_FORMAT=json. Either way, any secret value from the settings that
reaches a message (a token in an error text, a password in a URL) is masked."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from urllib.parse import urlsplit

from pydantic import SecretStr

from bot.app.settings import Settings

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold, longest first (so none is masked only in part)."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
        elif name in ("database_url", "redis_url") and value and urlsplit(value).password:
            found.append(urlsplit(value).password)
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


class Redact(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self._clean(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._clean(record.exc_text)
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class ProcessHandler(logging.StreamHandler):
    """Writes to the given stream, or to whatever sys.stderr is at the time of
    each line: a stream bound once would outlive a replaced stderr (an embedding
    program, or a test runner capturing one command) and write to a closed file."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self._follow = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = sys.stderr
        super().emit(record)


def setup_logging(settings: Settings, stream=None) -> logging.Handler:
    handler = ProcessHandler(stream)
    handler.setFormatter(JsonLines() if settings.log_format == "json" else logging.Formatter(PLAIN))
    handler.addFilter(Redact(secrets_of(settings)))
    root = logging.getLogger()
    # Replace only our own earlier handler: handlers an embedding program added stay.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, ProcessHandler)] + [handler]
    root.setLevel(settings.log_level)
    # The SQLite driver's debug lines repeat stored values, saved sessions included.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    return handler
