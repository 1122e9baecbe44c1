"""A local Reddit for tests: the OAuth token endpoint and the API paths praw
uses to read subreddits and comment, on 127.0.0.1 (praw's `oauth_url` and
`reddit_url` both point here).

Creation times come from an emulator clock that ticks one second per thing
unless a test sets them, so ordering and same-second ties are under control.
Every call is recorded; tests wait with `wait_for` (a condition, never a sleep).
`GET /user/<name>/about` answers as Reddit does: the account with its profile
(`subreddit.subscribers`, the followers), only `name` and `is_suspended` for a
suspended account, 404 for one that does not exist.
"""
from __future__ import annotations

import asyncio
import base64
import fnmatch
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

EPOCH = 1_700_000_000


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


@dataclass
class Call:
    method: str
    path: str
    params: dict
    form: dict
    status: int
    at: float  # time.monotonic()


@dataclass
class Script:
    """What the next `times` matching requests get instead of a normal answer."""

    times: int
    status: int
    headers: dict[str, str]
    commit: bool  # carry the request out first (the answer is lost, not the effect)


@dataclass
class RedditEmulator:
    client_id: str = "test-client"
    client_secret: str = "test-secret"
    accounts: dict[str, str] = field(default_factory=lambda: {"acme_support": "hunter2"})
    things: dict[str, dict] = field(default_factory=dict)  # fullname -> {"kind", "data"}
    calls: list[Call] = field(default_factory=list)
    followers: dict[str, int] = field(default_factory=dict)  # user -> followers (others who posted: 0)
    suspended: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1000)
        self._clock = EPOCH
        self._tokens: dict[str, str | None] = {}  # access token -> account (None: app-only)
        self._scripts: dict[str, list[Script]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> RedditEmulator:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._route)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- content ---------------------------------------------------------

    def _tick(self, created: float | None) -> float:
        if created is None:
            self._clock += 1
            return float(self._clock)
        return float(created)

    def add_submission(self, subreddit: str, author: str, title: str, selftext: str = "",
                       created: float | None = None) -> str:
        sid = base36(next(self._ids))
        data = {"id": sid, "name": f"t3_{sid}", "title": title, "selftext": selftext, "author": author,
                "subreddit": subreddit, "subreddit_name_prefixed": f"r/{subreddit}", "is_self": True,
                "permalink": f"/r/{subreddit}/comments/{sid}/post/", "created_utc": self._tick(created),
                "num_comments": 0, "locked": False, "url": f"https://www.reddit.com/r/{subreddit}/comments/{sid}/"}
        self.things[data["name"]] = {"kind": "t3", "data": data}
        return data["name"]

    def add_comment(self, parent: str, author: str, body: str, created: float | None = None) -> str:
        above = self.things[parent]["data"]
        link = parent if parent.startswith("t3_") else above["link_id"]
        cid = base36(next(self._ids))
        sub = above["subreddit"]
        data = {"id": cid, "name": f"t1_{cid}", "body": body, "author": author, "link_id": link,
                "parent_id": parent, "subreddit": sub, "created_utc": self._tick(created),
                "permalink": f"/r/{sub}/comments/{link[3:]}/post/{cid}/", "locked": False}
        self.things[data["name"]] = {"kind": "t1", "data": data}
        return data["name"]

    def comments_by(self, author: str, parent: str | None = None) -> list[dict]:
        return [t["data"] for t in self.things.values() if t["kind"] == "t1" and t["data"]["author"] == author
                and (parent is None or t["data"]["parent_id"] == parent)]

    def script(self, path: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None,
               commit: bool = False) -> None:
        """The next `times` requests whose path starts with `path` (`*`: any name) get `status`."""
        self._scripts.setdefault(path, []).append(Script(times, status, dict(headers or {}), commit))

    def rate_limit(self, path: str, reset: int = 1) -> None:
        """A 429 as Reddit sends it (`path` may hold `*`, as in `/user/*/about`): the window is used up for `reset` seconds."""
        self.script(path, 429, headers={"x-ratelimit-remaining": "0", "x-ratelimit-used": "600",
                                        "x-ratelimit-reset": str(reset)})

    def fail_lookups(self, times: int = 1, status: int = 503) -> None:
        """The next `times` profile lookups (`/user/*/about`) of any user get `status`."""
        self.script("/user/*/about", status, times=times)

    def lookups(self, user: str | None = None) -> list[Call]:
        return [c for c in self.calls if fnmatch.fnmatchcase(c.path, f"/user/{user or '*'}/about")]

    def requests_to(self, prefix: str, method: str = "GET") -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix) and c.method == method]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(condition)

    # -- HTTP --------------------------------------------------------------

    async def _route(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"].strip("/")
        form = dict(await request.post()) if request.method == "POST" else {}
        params = dict(request.query)
        script = self._take_script(path)
        if script is not None and not script.commit:
            response = web.json_response({"message": "scripted", "error": script.status}, status=script.status,
                                         headers=script.headers)
        else:
            response = self._answer(request, path, params, form)
            if script is not None:
                response = web.json_response({"message": "scripted", "error": script.status},
                                             status=script.status, headers=script.headers)
        self.calls.append(Call(request.method, path, params, form, response.status, time.monotonic()))
        async with self._changed:
            self._changed.notify_all()
        return response

    def _take_script(self, path: str) -> Script | None:
        for prefix, queue in self._scripts.items():
            if fnmatch.fnmatchcase(path, prefix + "*") and queue:
                script = queue[0]
                script.times -= 1
                if script.times <= 0:
                    queue.pop(0)
                return script
        return None

    def _answer(self, request: web.Request, path: str, params: dict, form: dict) -> web.Response:
        if path == "/api/v1/access_token":
            return self._token(request, form)
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if token not in self._tokens:
            return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
        account = self._tokens[token]
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "r" and parts[2] in ("new", "comments"):
            kind = "t3" if parts[2] == "new" else "t1"
            subs = {s.lower() for s in parts[1].split("+")}
            return self._listing(lambda t: t["kind"] == kind and t["data"]["subreddit"].lower() in subs, params)
        if len(parts) == 3 and parts[0] == "user" and parts[2] == "comments":
            return self._listing(lambda t: t["kind"] == "t1" and t["data"]["author"] == parts[1], params)
        if len(parts) == 3 and parts[0] == "user" and parts[2] == "about":
            return self._about(parts[1])
        if path == "/api/info":
            wanted = params.get("id", "").split(",")
            children = [self.things[n] for n in wanted if n in self.things]
            return web.json_response({"kind": "Listing", "data": {"after": None, "before": None,
                                                                  "children": children, "dist": len(children)}})
        if path == "/api/comment" and request.method == "POST":
            return self._comment(account, form)
        return web.json_response({"message": "Not Found", "error": 404}, status=404)

    def _token(self, request: web.Request, form: dict) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
        if form.get("grant_type") == "password":
            if self.accounts.get(form.get("username", "")) != form.get("password"):
                return web.json_response({"error": "invalid_grant"})
            account: str | None = form["username"]
        elif form.get("grant_type") == "client_credentials":
            account = None
        else:
            return web.json_response({"error": "unsupported_grant_type"})
        token = secrets.token_hex(8)
        self._tokens[token] = account
        return web.json_response({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def _listing(self, keep: Callable[[dict], bool], params: dict) -> web.Response:
        chosen = sorted((t for t in self.things.values() if keep(t)),
                        key=lambda t: (t["data"]["created_utc"], int(t["data"]["id"], 36)), reverse=True)
        names = [t["data"]["name"] for t in chosen]
        start = names.index(params["after"]) + 1 if params.get("after") in names else 0
        limit = max(1, min(int(params.get("limit", 25)), 100))
        page = chosen[start:start + limit]
        after = page[-1]["data"]["name"] if page and start + limit < len(chosen) else None
        return web.json_response({"kind": "Listing", "data": {"after": after, "before": None, "children": page,
                                                              "dist": len(page)}})

    def _about(self, user: str) -> web.Response:
        if user in self.suspended:
            return web.json_response({"kind": "t2", "data": {"name": user, "is_suspended": True}})
        known = user in self.followers or user in self.accounts or any(
            t["data"]["author"] == user for t in self.things.values())
        if not known:
            return web.json_response({"message": "Not Found", "error": 404}, status=404)
        profile = {"display_name": f"u_{user}", "display_name_prefixed": f"u/{user}", "subreddit_type": "user",
                   "subscribers": self.followers.get(user, 0), "url": f"/user/{user}/"}
        return web.json_response({"kind": "t2", "data": {"name": user, "id": base36(abs(hash(user)) % 10**9),
                                                         "created_utc": float(EPOCH - 86400), "link_karma": 1,
                                                         "comment_karma": 1, "subreddit": profile}})

    def _comment(self, account: str | None, form: dict) -> web.Response:
        if account is None:
            return web.json_response({"message": "Forbidden", "error": 403}, status=403)
        parent = form.get("thing_id", "")
        if parent not in self.things:
            return web.json_response({"json": {"errors": [["DELETED_COMMENT", "that comment has been deleted",
                                                           "parent"]]}})
        if self.things[parent]["data"].get("locked"):
            return web.json_response({"json": {"errors": [["THREAD_LOCKED", "that thread is locked", "parent"]]}})
        name = self.add_comment(parent, account, form.get("text", ""))
        return web.json_response({"json": {"errors": [], "data": {"things": [self.things[name]]}}})
