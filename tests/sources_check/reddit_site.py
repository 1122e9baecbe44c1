"""The local Reddit plus the two read-only endpoints the check calls, as
Reddit answers them: `GET /r/<name>/about` (a t5 thing; 404 for a missing
subreddit, 403 for a private one) and `GET /api/v1/me` (the logged-in account)."""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.emulators.reddit import RedditEmulator


@dataclass
class RedditSite(RedditEmulator):
    subreddits: set[str] = field(default_factory=lambda: {"acme", "ebikes"})
    private: set[str] = field(default_factory=set)

    def _answer(self, request: web.Request, path: str, params: dict, form: dict) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        parts = path.strip("/").split("/")
        if token in self._tokens and path == "/api/v1/me" and self._tokens[token]:
            return web.json_response({"name": self._tokens[token], "id": "k3q9", "is_suspended": False})
        if token in self._tokens and len(parts) == 3 and parts[0] == "r" and parts[2] == "about":
            name = parts[1].lower()
            if name in self.private:
                return web.json_response({"reason": "private", "message": "Forbidden", "error": 403}, status=403)
            if name not in self.subreddits:
                return web.json_response({"message": "Not Found", "error": 404}, status=404)
            return web.json_response({"kind": "t5", "data": {"display_name": name, "name": f"t5_{name}",
                                                             "id": name, "subreddit_type": "public"}})
        return super()._answer(request, path, params, form)
