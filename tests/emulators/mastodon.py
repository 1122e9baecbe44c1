"""A local Mastodon for tests, on 127.0.0.1: the REST endpoints Rejoinder uses
(instance, credentials, notifications, hashtag and home timelines, statuses
with Idempotency-Key, account statuses, context) with Link pagination, and
the streaming API as server-sent events, plus scripted failures.

People act through Mastodon.py with their own tokens (`add_account`), or
through `post()` here. Tests wait on what they expect with `wait_until`
(a condition, never a sleep).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from aiohttp import web

from tests.emulators.mastodon_content import hashtags, iso, mentioned, paginate, render_content


@dataclass
class Call:
    method: str
    path: str
    query: dict
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    times: int
    status: int
    reset_in: float
    after_commit: bool  # do the work, then answer with the failure (the answer is "lost")


@dataclass(eq=False)
class Stream:
    kind: str  # "user" or "hashtag"
    account_id: str | None
    tag: str | None
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False


class MastodonEmulator:
    def __init__(self, domain: str = "social.test", max_characters: int = 500, heartbeat: float = 15.0) -> None:
        self.domain, self.max_characters, self.heartbeat = domain, max_characters, heartbeat
        self.accounts: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # token -> account id
        self.statuses: dict[str, dict] = {}
        self.notifications: dict[str, list[dict]] = {}  # account id -> notifications
        self.followers: dict[str, set[str]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.streams: list[Stream] = []
        self.calls: list[Call] = []
        self.streaming_enabled = True
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(99_990)  # ids soon gain a digit: compare as numbers, not text
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------

    async def start(self) -> MastodonEmulator:
        app = web.Application()
        r = app.router
        for path in ("/api/v1/instance", "/api/v1/instance/"):
            r.add_get(path, self._instance_v1)
        for path in ("/api/v2/instance", "/api/v2/instance/"):
            r.add_get(path, self._instance_v2)
        r.add_get("/api/v1/accounts/verify_credentials", self._verify)
        r.add_get("/api/v1/accounts/{id}/statuses", self._account_statuses)
        r.add_get("/api/v1/notifications", self._notifications)
        r.add_get("/api/v1/timelines/tag/{tag}", self._tag_timeline)
        r.add_get("/api/v1/timelines/home", self._home)
        r.add_post("/api/v1/statuses", self._post_status)
        r.add_get("/api/v1/statuses/{id}", self._get_status)
        r.add_put("/api/v1/statuses/{id}", self._edit_status)
        r.add_delete("/api/v1/statuses/{id}", self._delete_status)
        r.add_get("/api/v1/statuses/{id}/context", self._context)
        r.add_get("/api/v1/streaming/user", self._stream)
        r.add_get("/api/v1/streaming/hashtag", self._stream)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for stream in self.streams:
            stream.closed = True
            stream.queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- people ----------------------------------------------------------

    def add_account(self, username: str, *, domain: str | None = None, display_name: str = "",
                    followers_count: int = 0) -> tuple[dict, str]:
        """A new account and its access token (`domain`: an account of another server)."""
        account_id = str(next(self._ids))
        acct = f"{username}@{domain}" if domain else username
        self.accounts[account_id] = {
            "id": account_id, "username": username, "acct": acct, "display_name": display_name or username.title(),
            "url": f"https://{domain or self.domain}/@{username}", "followers_count": followers_count,
            "following_count": 0, "statuses_count": 0, "locked": False, "bot": False,
            "created_at": iso(), "note": "", "avatar": "", "header": "", "fields": [], "emojis": []}
        token = secrets.token_hex(8)
        self.tokens[token] = account_id
        self.notifications[account_id], self.followers[account_id] = [], set()
        return self.accounts[account_id], token

    def follow(self, follower: dict, followed: dict) -> None:
        self.followers[followed["id"]].add(follower["id"])

    def _resolve(self, username: str, domain: str | None) -> dict | None:
        acct = username if domain in (None, self.domain) else f"{username}@{domain}"
        return next((a for a in self.accounts.values() if a["acct"].lower() == acct.lower()), None)

    async def post(self, account: dict, text: str, *, in_reply_to_id: str | None = None,
                   visibility: str = "public", language: str | None = "en", spoiler_text: str = "") -> dict:
        status = self._create(account, text, in_reply_to_id, visibility, language, spoiler_text)
        await self._notify()
        return status

    def _create(self, account: dict, text: str, in_reply_to_id, visibility, language, spoiler_text="") -> dict:
        status_id = str(next(self._ids))
        parent = self.statuses.get(in_reply_to_id) if in_reply_to_id else None
        mentions = [a for a in (self._resolve(u, d) for u, d in mentioned(text)) if a]
        status = {
            "id": status_id, "created_at": iso(), "edited_at": None, "in_reply_to_id": in_reply_to_id,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None, "sensitive": bool(spoiler_text),
            "spoiler_text": spoiler_text, "visibility": visibility, "language": language,
            "uri": f"https://{self.domain}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{account['acct']}/{status_id}", "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 0, "content": render_content(text, self.domain, self._resolve),
            "reblog": None, "account": dict(account), "media_attachments": [], "emojis": [], "card": None,
            "poll": None, "tags": [{"name": t, "url": f"https://{self.domain}/tags/{t}"} for t in hashtags(text)],
            "mentions": [{"id": a["id"], "username": a["username"], "acct": a["acct"], "url": a["url"]}
                         for a in mentions],
            "text": text}
        self.statuses[status_id] = status
        for target in {a["id"] for a in mentions} - {account["id"]}:
            note = {"id": str(next(self._ids)), "type": "mention", "created_at": iso(), "account": dict(account),
                    "status": self._public(status)}
            self.notifications[target].append(note)
            self._send("notification", note, self._user_streams([target]))
        self._send("update", self._public(status), self._audience(status))
        return status

    def _public(self, status: dict) -> dict:
        return {k: v for k, v in status.items() if k != "text"}

    def _user_streams(self, account_ids) -> list[Stream]:
        return [s for s in self.streams if s.kind == "user" and s.account_id in set(account_ids)]

    def _home_of(self, account_id: str) -> list[dict]:
        return [self._public(s) for s in self.statuses.values() if s["visibility"] != "direct"
                and (s["account"]["id"] == account_id or account_id in self.followers[s["account"]["id"]])]

    def _audience(self, status: dict) -> list[Stream]:
        """Streams that show `status`: its author's and followers' home, and its tags if public."""
        homes = {status["account"]["id"]}
        if status["visibility"] != "direct":
            homes |= self.followers[status["account"]["id"]]
        tags = {t["name"] for t in status["tags"]} if status["visibility"] == "public" else set()
        return self._user_streams(homes) + [s for s in self.streams if s.kind == "hashtag" and s.tag in tags]

    # -- scripted trouble ------------------------------------------------

    def fail_next(self, route: str, times: int = 1, status: int = 429, reset_in: float = 1.0,
                  after_commit: bool = False) -> None:
        """The next `times` requests to `route` ("POST /api/v1/statuses") fail
        with `status`; a 429 carries X-RateLimit-Reset `reset_in` seconds ahead."""
        self._failures.setdefault(route, []).append(Failure(times, status, reset_in, after_commit))

    def _failure(self, route: str) -> Failure | None:
        for failure in self._failures.get(route, []):
            if failure.times > 0:
                failure.times -= 1
                return failure
        return None

    def _failed(self, failure: Failure) -> web.Response:
        if failure.status != 429:
            return web.json_response({"error": "Service unavailable"}, status=failure.status)
        reset = datetime.now(timezone.utc) + timedelta(seconds=failure.reset_in)
        return web.json_response({"error": "Too many requests"}, status=429, headers={
            "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso(reset)})

    def drop_streams(self) -> int:
        """Cut every open stream as a broken connection would; returns how many."""
        live = [s for s in self.streams if not s.closed]
        for stream in live:
            stream.closed = True
            stream.queue.put_nowait("drop")
        return len(live)

    async def push_raw(self, lines: str) -> None:
        """Write raw text on every open stream (e.g. a malformed event)."""
        for stream in self.streams:
            if not stream.closed:
                stream.queue.put_nowait(lines)

    # -- waiting ---------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, find, timeout: float = 5.0, what: str = "condition"):
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(find), timeout)
            except TimeoutError:
                seen = [f"{c.method} {c.path} {c.status}" for c in self.calls[-12:]]
                raise AssertionError(f"no {what} within {timeout} s; last calls: {seen}") from None

    async def wait_for_streams(self, count: int, timeout: float = 5.0) -> None:
        await self.wait_until(lambda: len(self.live_streams()) >= count, timeout, f"{count} open streams")

    def live_streams(self) -> list[Stream]:
        return [s for s in self.streams if not s.closed]

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    # -- REST ------------------------------------------------------------

    async def _handle(self, request: web.Request, route: str, work) -> web.StreamResponse:
        """Auth, scripted failures and the call log around one endpoint."""
        failure = self._failure(route)
        account = self.accounts.get(self.tokens.get(request.headers.get("Authorization", "")[7:], ""))
        if failure is not None and not failure.after_commit:
            response = self._failed(failure)
        elif account is None:
            response = web.json_response({"error": "The access token is invalid"}, status=401)
        else:
            response = await work(request, account)
            if failure is not None:
                response = self._failed(failure)
        self.calls.append(Call(request.method, request.path, dict(request.query), response.status))
        await self._notify()
        return response

    async def _instance_v1(self, request: web.Request) -> web.Response:
        return web.json_response({
            "uri": self.domain, "title": "Local test server", "version": "4.3.0",
            "urls": {"streaming_api": f"ws://127.0.0.1:{self.port}"},
            "configuration": {"statuses": {"max_characters": self.max_characters}}})

    async def _instance_v2(self, request: web.Request) -> web.Response:
        return web.json_response({
            "domain": self.domain, "title": "Local test server", "version": "4.3.0", "api_versions": {"mastodon": 2},
            "configuration": {"urls": {"streaming": f"ws://127.0.0.1:{self.port}"},
                              "statuses": {"max_characters": self.max_characters}}})

    async def _verify(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "GET /api/v1/accounts/verify_credentials",
                                  lambda req, me: _json({**me, "source": {"privacy": "public"}}))

    def _page(self, request: web.Request, items: list[dict]) -> web.Response:
        page, headers = paginate(items, request.query, self.url + request.path)
        return web.json_response(page, headers=headers)

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            types = req.query.getall("types[]", [])
            excluded = req.query.getall("exclude_types[]", [])
            notes = [n for n in self.notifications[me["id"]]
                     if (not types or n["type"] in types) and n["type"] not in excluded]
            return self._page(req, notes)
        return await self._handle(request, "GET /api/v1/notifications", work)

    async def _tag_timeline(self, request: web.Request) -> web.StreamResponse:
        tag = request.match_info["tag"].lower()
        return await self._handle(request, "GET /api/v1/timelines/tag", lambda req, me: _done(self._page(req, [
            self._public(s) for s in self.statuses.values()
            if s["visibility"] == "public" and tag in {t["name"] for t in s["tags"]}])))

    async def _home(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "GET /api/v1/timelines/home",
                                  lambda req, me: _done(self._page(req, self._home_of(me["id"]))))

    async def _account_statuses(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            owner = req.match_info["id"]
            if owner not in self.accounts:
                return web.json_response({"error": "Record not found"}, status=404)
            return self._page(req, [self._public(s) for s in self.statuses.values() if s["account"]["id"] == owner
                                    and (s["visibility"] != "direct" or owner == me["id"])])
        return await self._handle(request, "GET /api/v1/accounts/statuses", work)

    async def _post_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            form = await req.post()
            key = req.headers.get("Idempotency-Key")
            if key and (me["id"], key) in self.idempotency:
                return web.json_response(self._public(self.statuses[self.idempotency[(me["id"], key)]]))
            text, parent = str(form.get("status", "")), form.get("in_reply_to_id")
            if not text.strip():
                return web.json_response({"error": "Validation failed: Text can't be blank"}, status=422)
            if parent and parent not in self.statuses:
                return web.json_response({"error": "Record not found"}, status=404)
            visibility = str(form.get("visibility", "public"))
            status = self._create(me, text, parent, visibility, form.get("language") or "en",  # Mastodon guesses it
                                  str(form.get("spoiler_text", "")))
            if key:
                self.idempotency[(me["id"], key)] = status["id"]
            return web.json_response(self._public(status))
        return await self._handle(request, "POST /api/v1/statuses", work)

    def _own(self, request: web.Request, me: dict) -> dict | None:
        status = self.statuses.get(request.match_info["id"])
        return status if status and status["account"]["id"] == me["id"] else None

    async def _get_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self.statuses.get(req.match_info["id"])
            return web.json_response(self._public(status)) if status else _not_found()
        return await self._handle(request, "GET /api/v1/statuses", work)

    async def _edit_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self._own(req, me)
            if status is None:
                return _not_found()
            text = str((await req.post()).get("status", ""))
            status.update(text=text, edited_at=iso(), content=render_content(text, self.domain, self._resolve))
            self._send("status.update", self._public(status), self._audience(status))
            return web.json_response(self._public(status))
        return await self._handle(request, "PUT /api/v1/statuses", work)

    async def _delete_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self._own(req, me)
            if status is None:
                return _not_found()
            mentioned_ids = [m["id"] for m in status["mentions"]]
            self._send("delete", status["id"], self._audience(status) + self._user_streams(mentioned_ids))
            del self.statuses[status["id"]]
            for notes in self.notifications.values():
                notes[:] = [n for n in notes if (n.get("status") or {}).get("id") != status["id"]]
            return web.json_response({**self._public(status), "text": status["text"]})
        return await self._handle(request, "DELETE /api/v1/statuses", work)

    async def _context(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self.statuses.get(req.match_info["id"])
            if status is None:
                return _not_found()
            ancestors, parent = [], status["in_reply_to_id"]
            while parent in self.statuses:
                ancestors.insert(0, self._public(self.statuses[parent]))
                parent = self.statuses[parent]["in_reply_to_id"]
            return web.json_response({"ancestors": ancestors, "descendants": []})
        return await self._handle(request, "GET /api/v1/statuses/context", work)

    # -- streaming -------------------------------------------------------

    def _send(self, event: str, payload, streams: list[Stream]) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        for stream in dict.fromkeys(streams):  # one copy per connection
            if not stream.closed:
                stream.queue.put_nowait(f"event: {event}\ndata: {data}\n\n")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        account = self.accounts.get(self.tokens.get(request.headers.get("Authorization", "")[7:], ""))
        kind = "user" if request.path.endswith("/user") else "hashtag"
        failure = self._failure(f"GET {request.path}")
        if failure is not None or not self.streaming_enabled or account is None:
            status = failure.status if failure else (503 if account else 401)
            self.calls.append(Call(request.method, request.path, dict(request.query), status))
            await self._notify()
            return web.json_response({"error": "Streaming unavailable"}, status=status)
        stream = Stream(kind, account["id"], request.query.get("tag", "").lower() or None)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        await response.write(b":)\n")
        self.streams.append(stream)
        self.calls.append(Call(request.method, request.path, dict(request.query), 200))
        await self._notify()
        try:
            while True:
                try:
                    item = await asyncio.wait_for(stream.queue.get(), self.heartbeat)
                except TimeoutError:
                    item = ":thump\n"
                if item is None:
                    break
                if item == "drop":
                    request.transport.abort()  # no end-of-stream chunk: a broken connection
                    break
                await response.write(item.encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            stream.closed = True
            await self._notify()
        return response


async def _json(body) -> web.Response:
    return web.json_response(body)


async def _done(value):
    return value


def _not_found() -> web.Response:
    return web.json_response({"error": "Record not found"}, status=404)
