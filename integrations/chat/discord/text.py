"""Outside text made inert for Discord: no pings, no links, no styling.

Posts are sent with `allowed_mentions` set to none, so nothing we send can
ping. On top of that, outside text (a mention, a name, a draft) is escaped so
it cannot *look* like a mention or a link either: markdown is escaped with
discord.py's own `escape_markdown`, `<@…>`/`<#…>`/`<@&…>` and `@everyone`/
`@here` are broken up, and line-leading markers (`#` headings, `-#`, `>`
quotes, lists) are escaped. Clipping happens before escaping, so an escape
is never cut in half.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from discord.utils import escape_markdown

from integrations.chat.common import number  # noqa: F401 - figures read the same on both platforms

ELLIPSIS = "…"
# Discord's limits
EMBED_TITLE, EMBED_DESCRIPTION, FIELD_NAME, FIELD_VALUE, FOOTER = 256, 4096, 256, 1024, 2048
EMBED_TOTAL, EMBED_FIELDS = 6000, 25
CONTENT = 2000
BUTTON_LABEL, MODAL_TITLE, INPUT_LABEL, INPUT_VALUE, TEXT_DISPLAY = 80, 45, 45, 4000, 4000

ZWSP = "\u200b"
_PINGS = re.compile(r"@(everyone|here)", re.I)
_ANGLE = re.compile(r"<(?=[@#:/a]|t:|https?:)", re.I)
_LINE_START = re.compile(r"^(\s*)(#|-#|>|[-*+] |\d+\. )", re.M)
_URL = re.compile(r"(https?)://", re.I)


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def inert(text: str, limit: int = FIELD_VALUE, *, links: bool = False) -> str:
    """Escape outside text for any Discord text; `links` keeps bare URLs
    clickable (embeds never preview them), otherwise they are broken up."""
    # Escaping at most doubles the length; clip to half the room, then escape, then clip for safety.
    body = clip(text or "", max(limit // 2, 1) if len(text or "") * 2 > limit else limit)
    body = escape_markdown(body)
    body = _PINGS.sub(lambda m: f"@{ZWSP}{m.group(1)}", body)
    body = _ANGLE.sub("\\<", body)
    body = _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", body)
    if not links:
        body = _URL.sub(lambda m: f"{m.group(1)}:{ZWSP}//", body)
    return clip(body, limit)


def flat(text: str, limit: int = FIELD_VALUE) -> str:
    """One line of inert text (names, routes, labels)."""
    return inert(" ".join((text or "").split()), limit)


def words(identifier: str) -> str:
    """An internal name such as `awaiting_approval`, shown as words."""
    return flat((identifier or "").replace("_", " "), 60)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL usable as an embed or link-button URL, or None."""
    if not url or len(url) > 512 or not re.match(r"^https?://[^\s<>]+$", url.strip()):
        return None
    return url.strip()


def when(moment: datetime, now: datetime | None = None) -> str:
    """A due time in each reader's own time zone (Discord timestamps)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    stamp = f"<t:{int(moment.timestamp())}:R>"
    return f"🚨 overdue since {stamp}" if moment <= now else f"due {stamp}"


def person(value: str | None) -> str:
    """An assignee: a Discord user id shows as a mention (which never pings:
    allowed_mentions is none); anything else as an inert name."""
    if not value:
        return "nobody"
    return f"<@{value}>" if value.isdigit() and 15 <= len(value) <= 21 else flat(value, 200)
