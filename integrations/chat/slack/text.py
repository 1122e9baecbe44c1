"""Turning outside text into Slack text objects that cannot ping, link or style.

Slack reads `&`, `<` and `>` as control characters everywhere (`<!channel>`,
`<!subteam^…>`, `<https://…|label>`), so they are always entity-escaped.
mrkdwn additionally styles `*bold*`, `_italic_`, `~strike~` and `` `code` ``;
in mrkdwn values those characters are swapped for look-alikes, and long
outside text goes into `plain_text` objects, which Slack never formats.
Clipping happens before escaping so an entity is never cut in half.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

TEXT_LIMIT = 3000  # Block Kit: text objects and section text
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
BUTTON_LIMIT = 75
ELLIPSIS = "…"

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LOOKALIKES = {"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}


def _mapped(text: str, table: dict[str, str], limit: int) -> str:
    """Map each character through `table`, keeping the result within `limit`
    characters; a cut text ends with an ellipsis."""
    out: list[str] = []
    used = 0
    for index, char in enumerate(text):
        piece = table.get(char, char)
        room = limit - used - (len(ELLIPSIS) if index < len(text) - 1 else 0)
        if len(piece) > room:
            out.append(ELLIPSIS)
            return "".join(out)
        out.append(piece)
        used += len(piece)
    return "".join(out)


def escape(text: str, limit: int = TEXT_LIMIT) -> str:
    """Entity-escape for plain_text and message `text` fields."""
    return _mapped(text or "", _ENTITIES, limit)


def inert(text: str, limit: int = TEXT_LIMIT) -> str:
    """Escape and neutralise formatting so a value is safe inside mrkdwn.
    Line breaks become spaces so a value can never start a `>` quote line."""
    flat = " ".join((text or "").split())
    return _mapped(flat, {**_ENTITIES, **_LOOKALIKES}, limit)


def plain(text: str, limit: int = TEXT_LIMIT) -> dict:
    """A plain_text object; Slack rejects empty text, so a blank shows a dash."""
    return {"type": "plain_text", "text": escape(text, limit) or "-", "emoji": False}


def mrkdwn(text: str) -> dict:
    """A mrkdwn object for text built only from our own markup plus `inert`
    values; verbatim stops Slack auto-linking names, channels and URLs."""
    return {"type": "mrkdwn", "text": text[:TEXT_LIMIT] or "-", "verbatim": True}


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for `<url|label>` (no way to close the link early), or None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    cleaned = quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~")  # encodes | < > space
    return escape(cleaned, limit=TEXT_LIMIT)


def link(url: str | None, label: str) -> str:
    """`<url|label>` for a safe URL with our own label; empty otherwise."""
    target = safe_url(url)
    return f"<{target}|{inert(label, 100)}>" if target else ""


def slack_user_id(value: str | None) -> bool:
    return bool(value) and value[0] in "UW" and value[1:].isalnum() and value.upper() == value and len(value) >= 5


def person(value: str | None) -> str:
    """An assignee or approver: a Slack user id renders as a mention of that
    member; anything else is an inert name."""
    if not value:
        return "nobody"
    return f"<@{value}>" if slack_user_id(value) else inert(value, 200)


def when(moment: datetime, now: datetime | None = None) -> str:
    """A due time shown in each reader's own time zone, with a plain fallback."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    epoch = int(moment.timestamp())
    fallback = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    shown = f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"
    if moment <= now:
        return f":rotating_light: overdue since {shown}"
    return f"due {shown}"


