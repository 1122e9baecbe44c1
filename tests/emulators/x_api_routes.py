"""The endpoints of the local X API (mixed into `XEmulator`)."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from tests.emulators.scripted import Stream
from tests.emulators.x_api_render import matches, page, render


def _problem(status: int, title: str, detail: str) -> tuple[int, dict]:
    return status, {"title": title, "detail": detail, "type": "about:blank", "status": status}


class XRoutes:
    def add_routes(self, r: web.UrlDispatcher) -> None:
        r.add_get("/2/users/me", self._me)
        r.add_get("/2/users/{id}", self._user)
        r.add_get("/2/users/{id}/mentions", self._mentions)
        r.add_get("/2/users/{id}/tweets", self._user_tweets)
        r.add_get("/2/tweets", self._lookup)
        r.add_post("/2/tweets", self._create)
        r.add_delete("/2/tweets/{id}", self._delete)
        r.add_get("/2/tweets/search/recent", self._search)
        r.add_get("/2/tweets/search/stream/rules", self._get_rules)
        r.add_post("/2/tweets/search/stream/rules", self._change_rules)
        r.add_get("/2/tweets/search/stream", self._stream)

    def _is_app(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.bearer_token}"

    async def _handle(self, request: web.Request, route: str, work, user_only: bool = False) -> web.Response:
        """Auth, scripted failures and the call log around one endpoint."""
        failure = self._failure(route)
        user = self.oauth_user(request)
        if failure is not None and not failure.after_commit:
            response = self.failed(failure)
        elif user is None and (user_only or not self._is_app(request)):
            status, body = _problem(401, "Unauthorized", "Unauthorized")
            response = web.json_response(body, status=status)
        else:
            status, body = await work(request, user)
            response = web.json_response(body, status=status)
            if failure is not None:
                response = self.failed(failure)
        await self._log(request, response.status)
        return response

    async def _me(self, request: web.Request) -> web.Response:
        async def work(req, user):
            return 200, {"data": {k: self.users[user][k] for k in ("id", "name", "username")}}
        return await self._handle(request, "GET /2/users/me", work, user_only=True)

    async def _user(self, request: web.Request) -> web.Response:
        async def work(req, user):
            found = self.users.get(req.match_info["id"])
            if found is None:
                return 200, {"errors": [{"value": req.match_info["id"], "title": "Not Found Error",
                                         "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
            return 200, {"data": {k: found[k] for k in ("id", "name", "username")}}
        return await self._handle(request, "GET /2/users", work)

    async def _mentions(self, request: web.Request) -> web.Response:
        async def work(req, user):
            return page(self.mentions_of(req.match_info["id"]), self.users, req.query, "pagination_token")
        return await self._handle(request, "GET /2/users/mentions", work)

    async def _user_tweets(self, request: web.Request) -> web.Response:
        async def work(req, user):
            own = [t for t in self.current() if t["author_id"] == req.match_info["id"]]
            return page(own, self.users, req.query, "pagination_token")
        return await self._handle(request, "GET /2/users/tweets", work)

    async def _search(self, request: web.Request) -> web.Response:
        async def work(req, user):
            query = req.query.get("query", "")
            found = [t for t in self.current() if matches(query, t, self.users[t["author_id"]])]
            return page(found, self.users, req.query, "next_token", low=10)
        return await self._handle(request, "GET /2/tweets/search/recent", work)

    async def _lookup(self, request: web.Request) -> web.Response:
        async def work(req, user):
            ids = [i for i in req.query.get("ids", "").split(",") if i]
            found = [self.tweets[i] for i in ids if i in self.tweets]
            body = render(found, self.users, req.query) if found else {}
            errors = [{"value": i, "detail": f"Could not find tweet with ids: [{i}].", "title": "Not Found Error",
                       "resource_type": "tweet", "parameter": "ids", "resource_id": i,
                       "type": "https://api.twitter.com/2/problems/resource-not-found"}
                      for i in ids if i not in self.tweets]
            return 200, {**body, **({"errors": errors} if errors else {})}
        return await self._handle(request, "GET /2/tweets", work)

    async def _create(self, request: web.Request) -> web.Response:
        async def work(req, user):
            body = await req.json()
            text = body.get("text") or ""
            reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if reply_to and reply_to not in self.tweets:
                return _problem(403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not "
                                                  "visible to you.")
            if any(t["author_id"] == user and t["text"] == text for t in self.tweets.values()):
                return _problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            tweet = self.make_tweet(self.users[user], text, reply_to=reply_to)
            return 201, {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}}
        return await self._handle(request, "POST /2/tweets", work, user_only=True)

    async def _delete(self, request: web.Request) -> web.Response:
        async def work(req, user):
            tweet = self.tweets.get(req.match_info["id"])
            if tweet is None or tweet["author_id"] != user:
                return _problem(404, "Not Found Error", "no such tweet of yours")
            for version in tweet["edit_history_tweet_ids"]:  # deleting any version deletes them all
                self.tweets.pop(version, None)
            return 200, {"data": {"deleted": True}}
        return await self._handle(request, "DELETE /2/tweets", work, user_only=True)

    async def _get_rules(self, request: web.Request) -> web.Response:
        async def work(req, user):
            meta = {"sent": datetime.now(timezone.utc).isoformat(), "result_count": len(self.rules)}
            return 200, {**({"data": list(self.rules.values())} if self.rules else {}), "meta": meta}
        return await self._handle(request, "GET /2/tweets/search/stream/rules", work)

    async def _change_rules(self, request: web.Request) -> web.Response:
        async def work(req, user):
            body = await req.json()
            created, errors = [], []
            for rule in body.get("add") or []:
                if any(r["value"] == rule["value"] for r in self.rules.values()):
                    errors.append({"value": rule["value"], "title": "DuplicateRule",
                                   "type": "https://api.twitter.com/2/problems/duplicate-rules"})
                    continue
                made = {"id": str(next(self._ids)), "value": rule["value"]}
                if "tag" in rule:
                    made["tag"] = rule["tag"]
                self.rules[made["id"]] = made
                created.append(made)
            deleted = [i for i in (body.get("delete") or {}).get("ids", []) if self.rules.pop(i, None)]
            meta = {"sent": datetime.now(timezone.utc).isoformat(),
                    "summary": {"created": len(created), "not_created": len(errors), "deleted": len(deleted)}}
            answer = {"meta": meta, **({"data": created} if created else {})}
            return 200, {**answer, **({"errors": errors} if errors else {})}
        return await self._handle(request, "POST /2/tweets/search/stream/rules", work)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        failure = self._failure("GET /2/tweets/search/stream")
        if failure is not None or not self.streaming_enabled or not self._is_app(request):
            status = failure.status if failure else (503 if self._is_app(request) else 401)
            await self._log(request, status)
            return web.json_response({"title": "Stream unavailable", "status": status}, status=status)
        return await self._serve_stream(request, Stream(dict(request.query)), "application/json")
