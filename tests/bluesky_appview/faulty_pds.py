"""An HTTP relay on 127.0.0.1 in front of the PDS that answers chosen calls
with an error first (a 502 from the AppView, a 429 with its rate-limit headers)."""
from __future__ import annotations

import time

import aiohttp
from aiohttp import web

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class FaultyPds:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.faults: dict[str, list[web.Response]] = {}  # xrpc method -> answers to give before relaying
        self.calls: dict[str, list[float]] = {}  # xrpc method -> wall-clock times of its requests

    def fail_next(self, method: str, response: web.Response) -> None:
        self.faults.setdefault(method, []).append(response)

    async def start(self) -> str:
        self.http = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._relay)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        method = request.path.removeprefix("/xrpc/")
        self.calls.setdefault(method, []).append(time.time())
        if self.faults.get(method):
            return self.faults[method].pop(0)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self.http.request(request.method, self.target + request.path_qs, headers=headers,
                                     data=await request.read()) as upstream:
            body = await upstream.read()
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=upstream.status, body=body, headers=kept)

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.http.close()
