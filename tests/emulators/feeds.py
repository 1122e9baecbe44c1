"""A local feed server for tests: an RSS 2.0 feed at /rss.xml and an Atom feed
at /atom.xml, with ETag and Last-Modified validators (304 when unchanged),
items tests can append, raw documents, scripted failures and a request log.

Tests wait on what they expect with `wait_for` (a condition, never a sleep).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


@dataclass
class Entry:
    guid: str
    title: str
    summary: str  # HTML
    link: str
    author: str | None
    published: datetime


@dataclass
class Feed:
    kind: str  # "rss" or "atom"
    title: str
    entries: list[Entry] = field(default_factory=list)
    version: int = 1
    changed_at: datetime = START
    send_etag: bool = True
    send_last_modified: bool = True
    raw: tuple[bytes, str] | None = None  # (body, content type) served instead of the entries

    @property
    def etag(self) -> str:
        return f'"{self.kind}-v{self.version}"'


@dataclass
class FeedRequest:
    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    at: float


@dataclass
class FeedServer:
    feeds: dict[str, Feed] = field(default_factory=lambda: {
        "/rss.xml": Feed("rss", "Cycling Forum"), "/atom.xml": Feed("atom", "Gear Blog")})
    requests: list[FeedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._failures: dict[str, list[tuple[int, dict]]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._count = 0
        self.port = 0

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_get("/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/rss.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- content -----------------------------------------------------------

    def _touch(self, feed: Feed) -> None:
        feed.version += 1
        feed.changed_at += timedelta(minutes=1)  # Last-Modified has one-second resolution

    def append(self, path: str, title: str, summary: str = "", *, author: str | None = None,
               guid: str | None = None, link: str | None = None, published: datetime | None = None) -> Entry:
        feed = self.feeds[path]
        self._count += 1
        guid = guid or f"urn:test:{feed.kind}:{self._count}"
        entry = Entry(guid, title, summary, link or f"https://forum.example/t/{self._count}", author,
                      published or START + timedelta(minutes=self._count))
        feed.entries.insert(0, entry)  # newest first, as feeds are
        self._touch(feed)
        return entry

    def set_raw(self, path: str, body: bytes, content_type: str = "application/xml") -> None:
        feed = self.feeds.setdefault(path, Feed("raw", "raw"))
        feed.raw = (body, content_type)
        self._touch(feed)

    def fail_next(self, path: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._failures.setdefault(path, []).extend([(status, headers)] * times)

    def served(self, path: str, status: int | None = None) -> list[FeedRequest]:
        return [r for r in self.requests if r.path == path and (status is None or r.status == status)]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(condition)

    # -- HTTP --------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        path = request.path
        response = self._answer(request, path)
        self.requests.append(FeedRequest(path, response.status, request.headers.get("If-None-Match"),
                                         request.headers.get("If-Modified-Since"), time.monotonic()))
        async with self._changed:
            self._changed.notify_all()
        return response

    def _answer(self, request: web.Request, path: str) -> web.Response:
        if self._failures.get(path):
            status, headers = self._failures[path].pop(0)
            return web.Response(status=status, text="scripted failure", headers=headers)
        feed = self.feeds.get(path)
        if feed is None:
            return web.Response(status=404, text="no such feed")
        headers = {}
        if feed.send_etag:
            headers["ETag"] = feed.etag
        if feed.send_last_modified:
            headers["Last-Modified"] = format_datetime(feed.changed_at, usegmt=True)
        if headers and self._unchanged(request, feed):
            return web.Response(status=304, headers=headers)
        if feed.raw is not None:
            return web.Response(body=feed.raw[0], headers={**headers, "Content-Type": feed.raw[1]})
        body = render_rss(feed) if feed.kind == "rss" else render_atom(feed)
        content_type = "application/rss+xml" if feed.kind == "rss" else "application/atom+xml"
        return web.Response(body=body.encode("utf-8"), headers={**headers, "Content-Type": content_type})

    @staticmethod
    def _unchanged(request: web.Request, feed: Feed) -> bool:
        # RFC 9110: If-None-Match wins; If-Modified-Since counts only without it.
        tags = request.headers.get("If-None-Match")
        if tags is not None and feed.send_etag:
            return feed.etag in [t.strip() for t in tags.split(",")]
        since = request.headers.get("If-Modified-Since")
        if since and feed.send_last_modified:
            try:
                return feed.changed_at <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


def render_rss(feed: Feed) -> str:
    items = "".join(
        "<item>"
        f"<title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
        f"<guid isPermaLink=\"false\">{escape(e.guid)}</guid>"
        f"<description>{escape(e.summary)}</description>"
        + (f"<dc:creator>{escape(e.author)}</dc:creator>" if e.author else "")
        + f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate></item>"
        for e in feed.entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(feed.title)}</title><link>https://forum.example/</link>"
            f"<description>Posts</description>{items}</channel></rss>")


def render_atom(feed: Feed) -> str:
    entries = "".join(
        "<entry>"
        f"<id>{escape(e.guid)}</id><title>{escape(e.title)}</title>"
        f"<link rel=\"alternate\" href={quoteattr(e.link)}/>"
        f"<published>{e.published.isoformat()}</published><updated>{e.published.isoformat()}</updated>"
        + (f"<author><name>{escape(e.author)}</name></author>" if e.author else "")
        + f"<summary type=\"html\">{escape(e.summary)}</summary></entry>"
        for e in feed.entries)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(feed.title)}</title><id>urn:test:atom</id>"
            f"<updated>{feed.changed_at.isoformat()}</updated>{entries}</feed>")
