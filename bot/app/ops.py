"""Operations endpoints for `rejoinder run`: /healthz, /readyz and a
Prometheus /metrics, on REJOINDER_HTTP_HOST/PORT. When Slack's HTTP mode
listens there already, they are added to its server instead."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot import metrics
from bot.app.observe import instrument, readiness, refresh
from bot.app.settings import Settings

if TYPE_CHECKING:
    from bot.app.root import App


async def start_ops(app: App, settings: Settings):
    """Install the Prometheus sink, count at the app's seams, and serve the endpoints."""
    from integrations.ops.http import OpsServer
    from integrations.ops.prometheus import CONTENT_TYPE, PrometheusSink

    sink = PrometheusSink()
    metrics.install(sink)
    instrument(app)

    async def text() -> bytes:
        await refresh(app)
        return sink.text()

    server = OpsServer(lambda: readiness(app), text, CONTENT_TYPE, settings.http_host, settings.http_port)
    shared = next((p for p in app.platforms.values() if getattr(p, "mode", None) == "http"
                   and getattr(p, "http_port", None) == settings.http_port), None)
    if shared is not None:
        shared.extra_routes = server.routes()  # read when the platform starts its server
    else:
        await server.start()
    return server
