"""Builders shared by the routing tests."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.config.workspace import Route
from bot.intake.enrich import Facts
from bot.intake.normalize import normalize
from bot.routing import Router
from bot.types import Mention

HANDLES = {"x": "acme", "bluesky": "acme.bsky.social"}


def mention(text: str, *, handle: str = "someone", followers: int = 10, network: str = "x",
            lang: str | None = None) -> Mention:
    return Mention(
        network=network,
        external_id="1",
        author={"handle": handle, "followers": followers},
        text=text,
        created_at=datetime(2025, 3, 1, tzinfo=timezone.utc),
        lang=lang,
    )


def routes(*matches: dict, **first_fields) -> list[Route]:
    """One route per match expression, named r0, r1, … in order."""
    return [
        Route.model_validate({"name": f"r{i}", "team": f"team{i}", "match": match, **(first_fields if i == 0 else {})})
        for i, match in enumerate(matches)
    ]


def route_text(router: Router, text: str, **kwargs):
    m = mention(text, **kwargs)
    clean = normalize(m.text)
    return router.route(m, clean, Facts(m, clean, HANDLES))


def first(match_expr: dict, text: str, **kwargs):
    """The RouteMatch of a one-route router, or None."""
    return route_text(Router(routes(match_expr)), text, **kwargs)
