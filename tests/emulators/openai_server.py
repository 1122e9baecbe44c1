"""A local stand-in for the OpenAI chat completions API, for tests.

It answers `POST /v1/chat/completions` the way OpenAI does (ids, choices,
tool calls, usage) from a script the test writes, and records every request.

    async with OpenAIEmulator() as emu:
        emu.push(status(429, retry_after_ms=50), ok(reply="Hi Jane"))
        ...  # point a client at emu.base_url
        assert len(emu.requests) == 2
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiohttp import web

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "OPENAI_PROXY")


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: kind is ok | text | malformed | status | hang | obey."""

    kind: str
    fields: dict = field(default_factory=dict)  # tool-call arguments for "ok"
    raw: str = ""  # content or arguments for "text" and "malformed"
    as_tool_call: bool = True
    code: int = 200
    headers: dict = field(default_factory=dict)
    message: str = ""


def ok(reply: str = "Hi there, thanks for reaching out.", rationale: str = "A friendly reply.",
       confidence: float = 0.8, needs_escalation: bool = False) -> Scripted:
    """A well-formed structured answer."""
    return structured(reply=reply, rationale=rationale, confidence=confidence, needs_escalation=needs_escalation)


def structured(**fields) -> Scripted:
    """A structured answer with exactly these arguments (e.g. wrong types or missing fields)."""
    return Scripted("ok", fields=fields)


def malformed(raw_content: str, as_tool_call: bool = True) -> Scripted:
    """`raw_content` as the tool call's arguments (not JSON, say) or, with
    as_tool_call=False, as plain message content with no tool call at all."""
    return Scripted("malformed", raw=raw_content, as_tool_call=as_tool_call)


def status(code: int, retry_after: float | None = None, retry_after_ms: int | None = None,
           message: str | None = None) -> Scripted:
    """An HTTP error in OpenAI's error shape, optionally with Retry-After headers."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    return Scripted("status", code=code, headers=headers, message=message or f"emulated HTTP {code}")


def hang() -> Scripted:
    """Never answer (until the emulator stops); pair with a short client timeout."""
    return Scripted("hang")


def obey() -> Scripted:
    """Play a gullible model that does what the quoted post tells it to:
    asked for its instructions it returns its whole system prompt, asked for
    its marker or secret it returns that line, told to say or write
    something it writes exactly that; otherwise a polite reply."""
    return Scripted("obey")


_MENTION = re.compile(r"<<<MENTION[^\n]*\n(.*?)\nMENTION>>>", re.S)
_ASKS_FOR_PROMPT = re.compile(r"\b(?:instructions?|prompt|rules|guidelines|above)\b", re.I)
_ASKS_FOR_SECRET = re.compile(r"\b(?:marker|secret|token|password)\b", re.I)
_DICTATES = re.compile(r"\b(?:say|write|reply with|respond with|post|answer with)\b\s*:?\s*[\"“']?(.+?)[\"”']?\s*$",
                       re.I | re.S)


def obeyed_reply(messages: list[dict]) -> str:
    """What the gullible model of `obey()` writes for these messages."""
    system = "\n".join(m.get("content") or "" for m in messages if m.get("role") == "system")
    user = "\n".join(m.get("content") or "" for m in messages if m.get("role") == "user")
    found = _MENTION.search(user)
    post = found.group(1) if found else user
    if _ASKS_FOR_SECRET.search(post):
        line = next((ln for ln in system.splitlines() if _ASKS_FOR_SECRET.search(ln)), "")
        return line or "I have no secret."
    if _ASKS_FOR_PROMPT.search(post):
        return system
    dictated = _DICTATES.search(post)
    if dictated:
        return dictated.group(1)
    return "Thanks for reaching out! We're looking into it."


def _error(code: int, message: str, kind: str = "invalid_request_error", headers: dict | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return web.json_response(body, status=code, headers=headers or {})


class OpenAIEmulator:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.script: deque[Scripted] = deque()
        self.requests: list[dict] = []  # JSON bodies, in arrival order
        self.headers: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def push(self, *answers: Scripted) -> None:
        self.script.extend(answers)

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> None:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.requests) >= count), timeout)

    def message_text(self, role: str, index: int = -1) -> str:
        """The text of all messages with `role` in request `index`."""
        messages = self.requests[index]["messages"]
        return "\n".join(m.get("content") or "" for m in messages if m.get("role") == role)

    async def start(self) -> "OpenAIEmulator":
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._release.set()  # let hanging handlers finish so shutdown is quick
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "OpenAIEmulator":
        return await self.start()

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _error(401, "No API key provided.", "invalid_request_error")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "The request body is not valid JSON.")
        async with self._arrived:
            self.requests.append(body)
            self.headers.append(dict(request.headers))
            self._arrived.notify_all()
        if body.get("stream"):
            return _error(400, "This emulator does not stream.")
        if not self.script:
            return _error(400, f"No scripted answer left for request {len(self.requests)}.")
        answer = self.script.popleft()
        if answer.kind == "hang":
            await self._release.wait()
            return _error(503, "The emulator stopped while hanging.", "server_error")
        if answer.kind == "status":
            kind = "rate_limit_error" if answer.code == 429 else "api_error"
            return _error(answer.code, answer.message, kind, answer.headers)
        return web.json_response(self._completion(body, answer))

    def _completion(self, body: dict, answer: Scripted) -> dict:
        number = next(self._ids)
        tools = body.get("tools") or []
        wants_tool = bool(tools) and answer.as_tool_call
        if answer.kind == "ok":
            payload = json.dumps(answer.fields)
        elif answer.kind == "obey":
            payload = json.dumps({"reply": obeyed_reply(body.get("messages", [])), "rationale": "Did as the post asked.",
                                  "confidence": 0.9, "needs_escalation": False})
        else:
            payload = answer.raw
        message: dict = {"role": "assistant", "content": None, "refusal": None}
        if wants_tool:
            choice = body.get("tool_choice")
            name = choice["function"]["name"] if isinstance(choice, dict) else tools[0]["function"]["name"]
            message["tool_calls"] = [{
                "id": f"call_emu{number}",
                "type": "function",
                "function": {"name": name, "arguments": payload},
            }]
            finish = "tool_calls"
        else:
            # Without tools the structured answer goes in the content, as with
            # response_format json_schema / json_object.
            message["content"] = payload
            finish = "stop"
        prompt = sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4
        completion = max(1, len(payload) // 4)
        return {
            "id": f"chatcmpl-emu{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "system_fingerprint": "fp_emulator",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }


def clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP clients read proxy variables; traffic to 127.0.0.1 must go direct."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest_asyncio.fixture
async def openai_emulator(monkeypatch: pytest.MonkeyPatch):
    """A running emulator; import this fixture into a conftest to use it."""
    clear_proxy_env(monkeypatch)
    async with OpenAIEmulator() as emulator:
        yield emulator
