"""The endpoints of the local Mastodon (mixed into `MastodonEmulator`)."""
from __future__ import annotations

from aiohttp import web

from tests.emulators.mastodon_content import countable_length, paginate
from tests.emulators.scripted import Stream


def _not_found() -> web.Response:
    return web.json_response({"error": "Record not found"}, status=404)


class MastodonRoutes:
    keep_alive = b":thump\n"

    def add_routes(self, r: web.UrlDispatcher) -> None:
        for version, handler in (("v1", self._instance_v1), ("v2", self._instance_v2)):
            r.add_get(f"/api/{version}/instance", handler)
            r.add_get(f"/api/{version}/instance/", handler)
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

    async def _handle(self, request: web.Request, route: str, work) -> web.StreamResponse:
        """Auth, scripted failures and the call log around one endpoint."""
        failure = self._failure(route)
        account = self.account_of(request)
        if failure is not None and not failure.after_commit:
            response = self.failed(failure)
        elif account is None:
            response = web.json_response({"error": "The access token is invalid"}, status=401)
        else:
            response = await work(request, account)
            if failure is not None:
                response = self.failed(failure)
        await self._log(request, response.status)
        return response

    def _page(self, request: web.Request, items: list[dict]) -> web.Response:
        page, headers = paginate(items, request.query, self.url + request.path)
        return web.json_response(page, headers=headers)

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
        async def work(req, me):
            return web.json_response({**me, "source": {"privacy": "public"}})
        return await self._handle(request, "GET /api/v1/accounts/verify_credentials", work)

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            types, excluded = req.query.getall("types[]", []), req.query.getall("exclude_types[]", [])
            return self._page(req, [n for n in self.notifications[me["id"]]
                                    if (not types or n["type"] in types) and n["type"] not in excluded])
        return await self._handle(request, "GET /api/v1/notifications", work)

    async def _tag_timeline(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            tag = req.match_info["tag"].lower()
            return self._page(req, [self.public(s) for s in self.statuses.values()
                                    if s["visibility"] == "public" and tag in {t["name"] for t in s["tags"]}])
        return await self._handle(request, "GET /api/v1/timelines/tag", work)

    async def _home(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            return self._page(req, self.home_of(me["id"]))
        return await self._handle(request, "GET /api/v1/timelines/home", work)

    async def _account_statuses(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            owner = req.match_info["id"]
            if owner not in self.accounts:
                return _not_found()
            return self._page(req, [self.public(s) for s in self.statuses.values() if s["account"]["id"] == owner
                                    and (s["visibility"] != "direct" or owner == me["id"])])
        return await self._handle(request, "GET /api/v1/accounts/statuses", work)

    async def _post_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            form = await req.post()
            key = req.headers.get("Idempotency-Key")
            if key and (me["id"], key) in self.idempotency:  # Mastodon answers with the status it made
                return web.json_response(self.public(self.statuses[self.idempotency[(me["id"], key)]]))
            text, parent = str(form.get("status", "")), form.get("in_reply_to_id")
            if not text.strip():
                return web.json_response({"error": "Validation failed: Text can't be blank"}, status=422)
            if parent and parent not in self.statuses:
                return _not_found()
            if countable_length(text) > self.max_characters:
                return web.json_response({"error": f"Validation failed: Text character limit of "
                                                   f"{self.max_characters} exceeded"}, status=422)
            status = self.create(me, text, parent, str(form.get("visibility", "public")),
                                 form.get("language") or "en",  # Mastodon would guess it
                                 str(form.get("spoiler_text", "")))
            if key:
                self.idempotency[(me["id"], key)] = status["id"]
            return web.json_response(self.public(status))
        return await self._handle(request, "POST /api/v1/statuses", work)

    def _own(self, request: web.Request, me: dict) -> dict | None:
        status = self.statuses.get(request.match_info["id"])
        return status if status and status["account"]["id"] == me["id"] else None

    async def _get_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self.statuses.get(req.match_info["id"])
            return web.json_response(self.public(status)) if status else _not_found()
        return await self._handle(request, "GET /api/v1/statuses", work)

    async def _edit_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self._own(req, me)
            if status is None:
                return _not_found()
            self.edit(status, str((await req.post()).get("status", "")))
            return web.json_response(self.public(status))
        return await self._handle(request, "PUT /api/v1/statuses", work)

    async def _delete_status(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self._own(req, me)
            if status is None:
                return _not_found()
            mentioned_ids = [m["id"] for m in status["mentions"]]
            self.send("delete", status["id"], self.audience(status) + self.user_streams(mentioned_ids))
            del self.statuses[status["id"]]
            for notes in self.notifications.values():
                notes[:] = [n for n in notes if (n.get("status") or {}).get("id") != status["id"]]
            return web.json_response({**self.public(status), "text": status["text"]})
        return await self._handle(request, "DELETE /api/v1/statuses", work)

    async def _context(self, request: web.Request) -> web.StreamResponse:
        async def work(req, me):
            status = self.statuses.get(req.match_info["id"])
            if status is None:
                return _not_found()
            ancestors, parent = [], status["in_reply_to_id"]
            while parent in self.statuses:
                ancestors.insert(0, self.public(self.statuses[parent]))
                parent = self.statuses[parent]["in_reply_to_id"]
            return web.json_response({"ancestors": ancestors, "descendants": []})
        return await self._handle(request, "GET /api/v1/statuses/context", work)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        account = self.account_of(request)
        failure = self._failure(f"GET {request.path}")
        if failure is not None or not self.streaming_enabled or account is None:
            status = failure.status if failure else (503 if account else 401)
            await self._log(request, status)
            return web.json_response({"error": "Streaming unavailable"}, status=status)
        kind = "user" if request.path.endswith("/user") else "hashtag"
        stream = Stream({**request.query, "kind": kind}, account["id"])
        return await self._serve_stream(request, stream, "text/event-stream", greeting=b":)\n")
