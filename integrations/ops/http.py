"""`/healthz`, `/readyz` and `/metrics` over HTTP (aiohttp). On its own
address, or as extra routes of a server that already listens there (Slack's
HTTP mode shares REJOINDER_HTTP_HOST/PORT)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Ready = Callable[[], Awaitable[dict[str, str]]]  # check name -> "ok" or what is wrong


class OpsServer:
    def __init__(self, ready: Ready, metrics_text: Callable[[], Awaitable[bytes]], content_type: str,
                 host: str = "127.0.0.1", port: int = 3000) -> None:
        self.ready, self.metrics_text, self.content_type = ready, metrics_text, content_type
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self._health), web.get("/readyz", self._ready), web.get("/metrics", self._metrics)]

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:  # a start-up mistake: say which setting, not a traceback
            await self._runner.cleanup()
            raise SystemExit(f"REJOINDER_HTTP_HOST/REJOINDER_HTTP_PORT: cannot listen on {self.host}:{self.port} "
                             f"for /healthz, /readyz and /metrics ({exc.strerror or exc}); choose a free port, "
                             "or 0 for any") from None
        self.port = self._runner.addresses[0][1]  # the real one when 0 was asked for
        log.info("health and metrics on http://%s:%s (/healthz, /readyz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})  # the process answers: that is all this says

    async def _ready(self, request: web.Request) -> web.Response:
        checks = await self.ready()
        ok = all(v == "ok" for v in checks.values())
        return web.json_response({"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self.metrics_text()
        return web.Response(body=body, headers={"Content-Type": self.content_type})
