"""How the local Mastodon renders things: status HTML as Mastodon writes it
(h-card mentions, hashtag links, shortened links with invisible parts),
ISO dates, and id-based pagination with Link headers."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

MENTION = re.compile(r"(?<![\w@/])@(\w+)(?:@([\w.-]+\w))?")
HASHTAG = re.compile(r"(?<![\w#&/])#(\w+)")
LINK = re.compile(r"https?://[^\s<>\"']+")
_TOKEN = re.compile(f"{LINK.pattern}|{MENTION.pattern}|{HASHTAG.pattern}")


def iso(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _link_html(url: str) -> str:
    scheme, rest = url.split("://", 1)
    shown, hidden = rest[:30], rest[30:]
    return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">'
            f'<span class="invisible">{scheme}://</span><span class="{"ellipsis" if hidden else ""}">'
            f'{html.escape(shown)}</span><span class="invisible">{html.escape(hidden)}</span></a>')


def render_content(text: str, domain: str, resolve) -> str:
    """Plain text -> Mastodon's status HTML. `resolve(username, domain)` gives
    the mentioned account (or None: the text stays as typed)."""
    def one_line(line: str) -> str:
        out, last = [], 0
        for match in _TOKEN.finditer(line):
            out.append(html.escape(line[last:match.start()]))
            token = match.group(0)
            if token.startswith("http"):
                out.append(_link_html(token))
            elif token.startswith("@") and (account := resolve(match.group(1), match.group(2))):
                out.append(f'<span class="h-card" translate="no"><a href="{account["url"]}" class="u-url mention">'
                           f'@<span>{html.escape(account["username"])}</span></a></span>')
            elif token.startswith("#"):
                tag = token[1:]
                out.append(f'<a href="https://{domain}/tags/{tag.lower()}" class="mention hashtag" rel="tag">'
                           f'#<span>{html.escape(tag)}</span></a>')
            else:
                out.append(html.escape(token))
            last = match.end()
        out.append(html.escape(line[last:]))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br />".join(one_line(line) for line in p.split("\n")) + "</p>" for p in paragraphs)


def mentioned(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in MENTION.finditer(text)]


def countable_length(text: str) -> int:
    """Characters as Mastodon's StatusLengthValidator counts them: a link is 23
    and a mention of another server's account counts only its @user part."""
    text = LINK.sub("x" * 23, text)
    return len(MENTION.sub(lambda m: "@" + m.group(1), text))


def hashtags(text: str) -> list[str]:
    return sorted({m.group(1).lower() for m in HASHTAG.finditer(text)})


def _key(item: dict) -> int:
    return int(item["id"])


def paginate(items: list[dict], query, base_url: str) -> tuple[list[dict], dict[str, str]]:
    """Mastodon's id pagination over `items`: `max_id`/`since_id` give the
    newest page below/above an id, `min_id` the page right after an id. The
    page is newest first; Link has rel="next" (older) and rel="prev" (newer)."""
    limit = max(1, min(int(query.get("limit") or 20), 40))
    ordered = sorted(items, key=_key)
    if query.get("max_id"):
        ordered = [i for i in ordered if _key(i) < int(query["max_id"])]
    if query.get("since_id"):
        ordered = [i for i in ordered if _key(i) > int(query["since_id"])]
    if query.get("min_id"):
        ordered = [i for i in ordered if _key(i) > int(query["min_id"])]
        page = list(reversed(ordered[:limit]))
    else:
        page = list(reversed(ordered[-limit:]))
    if not page:
        return page, {}
    kept = [(k, v) for k, v in query.items() if k not in ("max_id", "min_id", "since_id")]
    older = urlencode(kept + [("max_id", page[-1]["id"])])
    newer = urlencode(kept + [("min_id", page[0]["id"])])
    return page, {"Link": f'<{base_url}?{older}>; rel="next", <{base_url}?{newer}>; rel="prev"'}
