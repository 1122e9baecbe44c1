"""The REST routes of the local Discord: login, gateway discovery, command
sync, messages, threads, interaction callbacks and webhook follow-ups.

Each route has a rate-limit bucket per major parameter (channel, interaction
token) announced in `X-RateLimit-*` headers, as Discord does; going over it
answers 429 with `retry_after`. `fail_next` scripts 429s (route or global)
and server errors. A message posted with `enforce_nonce` and a nonce seen in
the channel within the window returns the first message instead of a second.
"""
from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
import time
from dataclasses import dataclass

from aiohttp import web

NONCE_WINDOW = 300.0  # seconds; Discord keeps nonces "a few minutes"
INTERACTION_DEADLINE = 3.0  # seconds to answer an interaction
EPHEMERAL = 64
ROUTES = [  # (method, pattern, name, major parameter group or None)
    ("GET", r"users/@me", "users.me", None),
    ("GET", r"oauth2/applications/@me", "app.me", None),
    ("GET", r"gateway(?:/bot)?", "gateway", None),
    ("PUT", r"applications/\d+/commands", "commands.put", None),
    ("PUT", r"applications/\d+/guilds/\d+/commands", "commands.put", None),
    ("POST", r"users/@me/channels", "dm.create", None),
    ("GET", r"channels/(\d+)", "channel.get", 1),
    ("POST", r"channels/(\d+)/messages", "message.create", 1),
    ("GET", r"channels/(\d+)/messages", "messages.list", 1),
    ("GET", r"channels/(\d+)/messages/(\d+)", "message.get", 1),
    ("PATCH", r"channels/(\d+)/messages/(\d+)", "message.edit", 1),
    ("POST", r"channels/(\d+)/messages/(\d+)/threads", "thread.create", 1),
    ("POST", r"interactions/(\d+)/([^/]+)/callback", "interaction.callback", 2),
    ("POST", r"webhooks/\d+/([^/]+)", "followup.create", 1),
    ("PATCH", r"webhooks/\d+/([^/]+)/messages/@original", "original.edit", 1),
]


@dataclass
class Bucket:
    count: int
    reset_at: float


def json_response(data, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py reads JSON only when the content type is exactly this (no charset)
    return web.Response(status=status, body=json.dumps(data).encode(), headers={
        "Content-Type": "application/json", **(headers or {})})


class RestRoutes:
    def _init_rest(self) -> None:
        self.limits: dict[str, tuple[int, float]] = {"message.create": (50, 1.0), "message.edit": (50, 1.0)}
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._failures: dict[str, list[tuple[int, float, bool]]] = {}
        self._nonces: dict[tuple[str, str], tuple[float, dict]] = {}
        self._after_work: dict[str, list[int]] = {}
        self._drops: dict[str, list] = {}  # name -> [calls left, which calls (args -> bool) or None]
        self.attachments: dict[str, dict] = {}  # attachment id -> {filename, data, content_type, description}
        self.global_limit: int | None = None  # requests per second per bot, as Discord's 50; None: none
        self._recent: list[float] = []

    def fail_after_work(self, name: str, status: int = 502) -> None:
        """The next `name` call is carried out, but answered with `status`."""
        self._after_work.setdefault(name, []).append(status)

    def drop_response_next(self, name: str, times: int = 1, when=None) -> None:
        """The next `times` `name` calls (those `when(args)` picks, if given) take
        effect; then the connection drops, unanswered."""
        self._drops[name] = [times, when]

    def fail_next(self, name: str, times: int = 1, status: int = 429, retry_after: float = 0.3,
                  global_: bool = False, when=None) -> None:
        """The next `times` `name` calls (those `when(args)` picks, if given) fail without taking effect."""
        self._failures.setdefault(name, []).extend([(status, retry_after, global_, when)] * times)

    # -- dispatch --------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body: dict = {}
        if request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw and request.content_type.startswith("multipart/"):
                body = _multipart_json(request.headers["Content-Type"], raw)
        if isinstance(body, list):  # a bulk overwrite sends a bare list
            body = {"_list": body}
        args = {**dict(request.query), **body}
        for method, pattern, name, major in ROUTES:
            m = re.fullmatch(pattern, path)
            if m and method == request.method:
                return await self._answer(name, path, m, major, args, request)
        self.record("unknown", f"{request.method} {path}", args, 404, {})
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    async def _answer(self, name: str, path: str, m: re.Match, major, args: dict, request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not name.startswith(("interaction.", "followup.", "original.")) and auth != f"Bot {self.token}":
            self.record(name, path, args, 401, {})
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        scripted = self._failures.get(name)
        if scripted and (scripted[0][3] is None or scripted[0][3](args)):
            status, retry_after, global_, _when = scripted.pop(0)
            if status == 429:
                return self._too_many(name, path, args, retry_after, global_)
            self.record(name, path, args, status, {})
            return json_response({"message": "Server error", "code": 0}, status)
        if self.global_limit and not name.startswith(("interaction.", "followup.", "original.")):
            now = time.monotonic()
            self._recent = [at for at in self._recent if now - at < 1.0]
            if len(self._recent) >= self.global_limit:
                return self._too_many(name, path, args, 1.0 - (now - self._recent[0]), True)
            self._recent.append(now)
        key = m.group(major) if major else ""
        headers = {}
        if name in self.limits:
            limit, per = self.limits[name]
            now = time.monotonic()
            bucket = self._buckets.get((name, key))
            if bucket is None or now >= bucket.reset_at:
                bucket = self._buckets[(name, key)] = Bucket(0, now + per)
            if bucket.count >= limit:
                return self._too_many(name, path, args, bucket.reset_at - now, False)
            bucket.count += 1
            headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(limit - bucket.count),
                       "X-RateLimit-Reset-After": f"{bucket.reset_at - now:.3f}",
                       "X-RateLimit-Reset": f"{time.time() + bucket.reset_at - now:.3f}",
                       "X-RateLimit-Bucket": f"bucket-{name}"}
        status, data = await getattr(self, "_" + name.replace(".", "_"))(m, args)
        if self._after_work.get(name):
            status, data = self._after_work[name].pop(0), {"message": "Bad Gateway", "code": 0}
        self.record(name, path, args, status, data)
        await self.notify()
        drop = self._drops.get(name)
        if drop and drop[0] > 0 and (drop[1] is None or drop[1](args)):
            drop[0] -= 1
            request.transport.abort()  # the work is done; the client never hears of it
            raise web.HTTPServiceUnavailable()
        return json_response(data, status, headers)

    def _too_many(self, name: str, path: str, args: dict, retry_after: float, global_: bool) -> web.Response:
        data = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": global_}
        self.record(name, path, args, 429, data)
        return json_response(data, 429, {"Retry-After": str(max(1, round(retry_after))), "Via": "1.1 google",
                                         "X-RateLimit-Scope": "global" if global_ else "user"})

    # -- routes ------------------------------------------------------------

    async def _users_me(self, m, args):
        return 200, self.users[self.bot_id]

    async def _app_me(self, m, args):
        return 200, {"id": self.app_id, "name": "Rejoinder", "icon": None, "description": "", "bot_public": False,
                     "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                     "owner": self.users[self.bot_id], "team": None}

    async def _gateway(self, m, args):
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

    async def _commands_put(self, m, args):
        body = args.get("_list", [])
        self.commands = [{**c, "id": self.snowflake(), "application_id": self.app_id, "version": "1"} for c in body]
        return 200, self.commands

    async def _dm_create(self, m, args):
        recipient = str(args.get("recipient_id"))
        if recipient not in self.users:
            return 400, {"message": "Invalid Recipient(s)", "code": 50033}
        channel_id = f"7{recipient[1:]}"  # one DM channel per person
        channel = {"id": channel_id, "type": 1, "recipients": [self.users[recipient]], "last_message_id": None}
        self.channels.setdefault(channel_id, channel)
        self.messages.setdefault(channel_id, [])
        return 200, channel

    def dms(self, user_id: str) -> list[str]:
        """What the bot told `user_id` in a direct message."""
        return [m["content"] for m in self.messages.get(f"7{user_id[1:]}", [])]

    async def _channel_get(self, m, args):
        channel = self.channels.get(m.group(1))
        return (200, channel) if channel else (404, {"message": "Unknown Channel", "code": 10003})

    async def _message_create(self, m, args):
        channel_id = m.group(1)
        if channel_id not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        nonce = args.get("nonce")
        if nonce and args.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen and time.monotonic() - seen[0] < NONCE_WINDOW:
                return 200, seen[1]
        message = self.store_message(channel_id, self.bot_id, args.get("content") or "", embeds=args.get("embeds"),
                                     components=args.get("components"), nonce=nonce)
        message["attachments"] = self._attach(args)
        if nonce:
            self._nonces[(channel_id, str(nonce))] = (time.monotonic(), message)
        await self.dispatch("MESSAGE_CREATE", message)
        return 200, message

    def _attach(self, args: dict) -> list[dict]:
        """Files sent as multipart parts `files[n]`, described by payload_json's `attachments`."""
        described = {str(a.get("id")): a for a in args.get("attachments") or []}
        out = []
        for index, part in enumerate(args.get("_files") or []):
            meta = described.get(str(index), {})
            attachment_id = self.snowflake()
            self.attachments[attachment_id] = {**part, "description": meta.get("description")}
            out.append({"id": attachment_id, "filename": meta.get("filename") or part["filename"],
                        "size": len(part["data"]), "content_type": part["content_type"],
                        "description": meta.get("description"),
                        "url": f"http://127.0.0.1/attachments/{attachment_id}/{part['filename']}",
                        "proxy_url": f"http://127.0.0.1/attachments/{attachment_id}/{part['filename']}"})
        return out

    async def _messages_list(self, m, args):
        messages = self.messages.get(m.group(1))
        if messages is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        newest_first = list(reversed(messages))
        if "before" in args:
            newest_first = [x for x in newest_first if int(x["id"]) < int(args["before"])]
        return 200, newest_first[: int(args.get("limit", 50))]

    async def _message_get(self, m, args):
        found = self.find_message(m.group(1), m.group(2))
        return (200, found) if found else (404, {"message": "Unknown Message", "code": 10008})

    async def _message_edit(self, m, args):
        message = self.find_message(m.group(1), m.group(2))
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        for key in ("content", "embeds", "components"):
            if key in args:
                message[key] = args[key] or ([] if key != "content" else "")
        message["edited_timestamp"] = self.timestamp()
        await self.dispatch("MESSAGE_UPDATE", message)
        return 200, message

    async def _thread_create(self, m, args):
        parent, message_id = m.group(1), m.group(2)
        message = self.find_message(parent, message_id)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        if message_id in self.channels:
            return 400, {"message": "A thread has already been created for this message", "code": 160004}
        thread = self.add_thread(parent, message_id, args.get("name") or "case")
        message["thread"] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return 201, thread

    async def _interaction_callback(self, m, args):
        interaction = self.interactions.get(m.group(2))
        if interaction is None or interaction["id"] != m.group(1):
            return 404, {"message": "Unknown interaction", "code": 10062}
        if interaction["responded"]:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        if time.monotonic() - interaction["at"] > INTERACTION_DEADLINE:
            return 404, {"message": "Unknown interaction", "code": 10062}
        interaction["responded"] = args
        kind, data = args.get("type"), args.get("data") or {}
        return 200, {"interaction": {
            "id": interaction["id"], "type": interaction["type"], "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL)}, "resource": {"type": kind}}

    async def _followup_create(self, m, args):
        interaction = self.interactions.get(m.group(1))
        if interaction is None or not interaction["responded"]:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        message = self.message_payload(interaction["channel_id"], self.bot_id, args.get("content") or "",
                                       embeds=args.get("embeds"), flags=args.get("flags") or 0)
        interaction["followups"].append(message)
        return 200, message

    async def _original_edit(self, m, args):
        interaction = self.interactions.get(m.group(1))
        if interaction is None or not interaction["responded"]:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        message = self.message_payload(interaction["channel_id"], self.bot_id, args.get("content") or "",
                                       embeds=args.get("embeds"))
        interaction["followups"].append(message)
        return 200, message


def _multipart_json(content_type: str, raw: bytes) -> dict:
    """payload_json, and the files (parts `files[n]`) as `_files` in the order sent."""
    form = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    payload, files = {}, []
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if name == "payload_json":
            payload = json.loads(data)
        elif name and name.startswith("files["):
            files.append({"filename": part.get_filename(), "data": data,
                          "content_type": part.get_content_type()})
    return {**payload, "_files": files} if files else payload
