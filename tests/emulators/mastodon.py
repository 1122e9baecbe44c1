"""A local Mastodon for tests, on 127.0.0.1: the REST endpoints Rejoinder uses
(instance, credentials, notifications, hashtag and home timelines, statuses
with Idempotency-Key and the instance's `max_characters`, account statuses,
context) with Link pagination, the
streaming API as server-sent events, and scripted failures (a 429 with
X-RateLimit-Reset, a 503, a stream cut like a broken connection).

People act through Mastodon.py with their own tokens (`add_account`), or
through `post()` here. Tests wait on what they expect with `wait_until`
(a condition, never a sleep). The endpoints are in `mastodon_routes`.
"""
from __future__ import annotations

import itertools
import json
import secrets
from datetime import datetime, timedelta, timezone

from aiohttp import web

from tests.emulators.mastodon_content import hashtags, iso, mentioned, render_content
from tests.emulators.mastodon_routes import MastodonRoutes
from tests.emulators.scripted import Failure, ScriptedServer, Stream


class MastodonEmulator(MastodonRoutes, ScriptedServer):
    def __init__(self, domain: str = "social.test", max_characters: int = 500, heartbeat: float = 15.0) -> None:
        super().__init__()
        self.domain, self.max_characters, self.heartbeat = domain, max_characters, heartbeat
        self.accounts: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # access token -> account id
        self.statuses: dict[str, dict] = {}
        self.notifications: dict[str, list[dict]] = {}  # account id -> its notifications
        self.followers: dict[str, set[str]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}  # (account id, key) -> status id
        self._ids = itertools.count(99_990)  # ids soon gain a digit: compare as numbers, not text

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

    def resolve(self, username: str, domain: str | None) -> dict | None:
        acct = username if domain in (None, self.domain) else f"{username}@{domain}"
        return next((a for a in self.accounts.values() if a["acct"].lower() == acct.lower()), None)

    def account_of(self, request: web.Request) -> dict | None:
        return self.accounts.get(self.tokens.get(request.headers.get("Authorization", "")[7:], ""))

    # -- statuses and who sees them --------------------------------------

    async def post(self, account: dict, text: str, *, in_reply_to_id: str | None = None,
                   visibility: str = "public", language: str | None = "en", spoiler_text: str = "") -> dict:
        status = self.create(account, text, in_reply_to_id, visibility, language, spoiler_text)
        await self._notify()
        return status

    def create(self, account: dict, text: str, in_reply_to_id, visibility, language, spoiler_text="") -> dict:
        status_id = str(next(self._ids))
        parent = self.statuses.get(in_reply_to_id) if in_reply_to_id else None
        mentions = [a for a in (self.resolve(u, d) for u, d in mentioned(text)) if a]
        status = {
            "id": status_id, "created_at": iso(), "edited_at": None, "in_reply_to_id": in_reply_to_id,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None, "sensitive": bool(spoiler_text),
            "spoiler_text": spoiler_text, "visibility": visibility, "language": language,
            "uri": f"https://{self.domain}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{account['acct']}/{status_id}", "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 0, "content": render_content(text, self.domain, self.resolve),
            "reblog": None, "account": dict(account), "media_attachments": [], "emojis": [], "card": None,
            "poll": None, "tags": [{"name": t, "url": f"https://{self.domain}/tags/{t}"} for t in hashtags(text)],
            "mentions": [{"id": a["id"], "username": a["username"], "acct": a["acct"], "url": a["url"]}
                         for a in mentions],
            "text": text}
        self.statuses[status_id] = status
        self._notify_mentioned(status, {a["id"] for a in mentions} - {account["id"]})
        self.send("update", self.public(status), self.audience(status))
        return status

    def _notify_mentioned(self, status: dict, targets: set[str]) -> None:
        for target in targets:
            note = {"id": str(next(self._ids)), "type": "mention", "created_at": iso(),
                    "account": dict(status["account"]), "status": self.public(status)}
            self.notifications[target].append(note)
            self.send("notification", note, self.user_streams([target]))

    def edit(self, status: dict, text: str) -> None:
        """A new version of `status`, as Mastodon fans it out: accounts newly
        mentioned get a mention notification; `status.update` goes to the
        audience and (since Mastodon 4.2) to every mentioned account's stream."""
        before = {m["id"] for m in status["mentions"]}
        mentions = [a for a in (self.resolve(u, d) for u, d in mentioned(text)) if a]
        status.update(text=text, edited_at=iso(), content=render_content(text, self.domain, self.resolve),
                      tags=[{"name": t, "url": f"https://{self.domain}/tags/{t}"} for t in hashtags(text)],
                      mentions=[{"id": a["id"], "username": a["username"], "acct": a["acct"], "url": a["url"]}
                                for a in mentions])
        mentioned_ids = {a["id"] for a in mentions} - {status["account"]["id"]}
        self._notify_mentioned(status, mentioned_ids - before)
        self.send("status.update", self.public(status), self.audience(status) + self.user_streams(mentioned_ids))

    @staticmethod
    def public(status: dict) -> dict:
        """The status as the API shows it (without the plain text kept for tests)."""
        return {k: v for k, v in status.items() if k != "text"}

    def user_streams(self, account_ids) -> list[Stream]:
        ids = set(account_ids)
        return [s for s in self.live_streams() if s.query.get("kind") == "user" and s.account_id in ids]

    def home_of(self, account_id: str) -> list[dict]:
        return [self.public(s) for s in self.statuses.values() if s["visibility"] != "direct"
                and (s["account"]["id"] == account_id or account_id in self.followers[s["account"]["id"]])]

    def audience(self, status: dict) -> list[Stream]:
        """Streams that show `status`: its author's and followers' home, and its tags if public."""
        homes = {status["account"]["id"]}
        if status["visibility"] != "direct":
            homes |= self.followers[status["account"]["id"]]
        tags = {t["name"] for t in status["tags"]} if status["visibility"] == "public" else set()
        return self.user_streams(homes) + [s for s in self.live_streams() if s.query.get("kind") == "hashtag"
                                           and s.query.get("tag", "").lower() in tags]

    def send(self, event: str, payload, streams: list[Stream]) -> None:
        """One server-sent event, as Mastodon writes it, on each stream once."""
        data = payload if isinstance(payload, str) else json.dumps(payload)
        for stream in dict.fromkeys(streams):
            stream.queue.put_nowait(f"event: {event}\ndata: {data}\n\n")

    @staticmethod
    def failed(failure: Failure) -> web.Response:
        if failure.status != 429:
            return web.json_response({"error": "Service unavailable"}, status=failure.status)
        reset = datetime.now(timezone.utc) + timedelta(seconds=failure.reset_in)
        return web.json_response({"error": "Too many requests"}, status=429, headers={
            "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso(reset)})
