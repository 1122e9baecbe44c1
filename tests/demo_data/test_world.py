"""Customers, orders, workspace, guidelines and intended routes of the demo."""
from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
import yaml

from bot.config.workspace import Workspace
from bot.app.demo import DEMO_DIR, path
from bot.types import NETWORK_PATTERN
from integrations.social.replay import read_mentions


def rows(name: str) -> tuple[list[str], list[dict]]:
    with path(name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return Workspace.model_validate(yaml.safe_load(path("workspace.yaml").read_text(encoding="utf-8")))


def test_locator_points_at_the_bundled_files():
    assert path("feed.jsonl") == DEMO_DIR / "feed.jsonl"
    for name in ("feed.jsonl", "customers.csv", "orders.csv", "workspace.yaml", "guidelines.md", "expected_routes.json"):
        assert path(name).is_file(), name


def test_customers_are_fictional_and_well_formed():
    columns, customers = rows("customers.csv")
    assert columns == ["email", "name", "phone", "tier", "lifetime_value", "handles"]
    assert len(customers) >= 24
    assert len({c["email"] for c in customers}) == len(customers)
    seen_handles = set()
    for c in customers:
        assert re.fullmatch(r"[a-z.]+@example\.(com|org)", c["email"]), c["email"]
        assert re.search(r"555-01\d\d$", c["phone"]), c["phone"]
        assert c["tier"] in {"standard", "plus", "vip"}
        assert Decimal(c["lifetime_value"]) >= 0
        handles = c["handles"].split()
        assert handles, c["email"]
        for handle in handles:
            network, _, name = handle.partition(":")
            assert re.fullmatch(NETWORK_PATTERN, network) and name, handle
            assert handle not in seen_handles, f"{handle} belongs to two customers"
            seen_handles.add(handle)
    assert sum(len(c["handles"].split()) >= 2 for c in customers) >= 3


def test_orders_belong_to_customers():
    columns, orders = rows("orders.csv")
    assert columns == ["email", "number", "placed_at", "total", "currency", "status"]
    assert len(orders) >= 45
    emails = {c["email"] for c in rows("customers.csv")[1]}
    assert len({o["number"] for o in orders}) == len(orders)
    for o in orders:
        assert o["email"] in emails, o["number"]
        assert re.fullmatch(r"TB-\d{5}", o["number"])
        assert datetime.fromisoformat(o["placed_at"].replace("Z", "+00:00")) < datetime.fromisoformat("2026-11-20T12:00:00+00:00")
        assert Decimal(o["total"]) > 0 and o["currency"] in {"USD", "EUR"}
        assert o["status"] in {"placed", "shipped", "delivered", "delayed", "returned", "refunded"}


def test_orders_named_in_the_feed_match_their_authors():
    owner = {}
    for c in rows("customers.csv")[1]:
        for handle in c["handles"].split():
            owner[handle] = c["email"]
    orders = {o["number"]: o for o in rows("orders.csv")[1]}
    mentions, _ = read_mentions(path("feed.jsonl"))
    named = 0
    for m in mentions:
        for number in re.findall(r"TB-\d{5}", m.text):
            named += 1
            assert orders[number]["email"] == owner[f"{m.network}:{m.author.handle}"], number
            if "delayed" in m.text:
                assert orders[number]["status"] == "delayed"
            if "returned" in m.text:
                assert orders[number]["status"] == "returned"
    assert named >= 8


def test_workspace_is_valid_and_complete(workspace):
    assert workspace.organisation.name == "Tandem Bikes"
    assert workspace.organisation.handles["bluesky"] == "tandembikes.bsky.social"
    assert {t.name: t.partner for t in workspace.teams} == {
        "support": False, "sales": False, "pr": False, "dealer-northside": True}
    assert [r.name for r in workspace.routes] == [
        "safety", "legal", "outage", "dealer", "sales", "press", "support", "praise"]
    assert workspace.roles.members["pat"] == ["partner"]
    assert workspace.approval.high_risk.approvers_required == 2
    assert workspace.sla.target("urgent").total_seconds() == 15 * 60
    assert workspace.incidents.threshold == 5
    (source,) = workspace.sources
    assert source.type == "replay" and (DEMO_DIR / source.path).is_file()
    assert (DEMO_DIR / workspace.guidelines.document).is_file()


def test_sign_off_rule_wants_initials(workspace):
    rule = re.compile(workspace.guidelines.sign_off)
    assert rule.search("Sorry about the wait, Ellie. Could you DM us? ^DR")
    assert not rule.search("Sorry about the wait, Ellie. Could you DM us?")
    assert not rule.search("Thanks! ^dr")


def test_workspace_loads_through_the_project_loader():
    loader = pytest.importorskip("bot.config.loader")
    loaded = loader.load_workspace(path("workspace.yaml"))
    assert "Project Kestrel" in loaded.guidelines.confidential_terms


def test_guidelines_cover_the_rules():
    text = path("guidelines.md").read_text(encoding="utf-8")
    assert 60 <= len(text.splitlines()) <= 120
    for needle in ("code names", "supplier", "refund", "safety", "legal", "outage", "language", "^dr",
                   "tandembikes.example", "angry"):
        assert needle in text.lower(), needle
    # The guidelines go into drafting prompts: they must not carry the secrets themselves.
    assert "Kestrel" not in text and "Voltcell" not in text


def test_expected_routes_cover_every_mention(workspace):
    expected = json.loads(path("expected_routes.json").read_text(encoding="utf-8"))
    mentions, _ = read_mentions(path("feed.jsonl"))
    assert set(expected) == {f"{m.network}:{m.external_id}" for m in mentions}
    routes = {r.name for r in workspace.routes}
    assert set(expected.values()) - {None} <= routes
    assert set(expected.values()) >= routes | {None}  # every route gets traffic
    assert sum(v is None for v in expected.values()) >= 10
    by_text = {m.text: expected[f"{m.network}:{m.external_id}"] for m in mentions}
    assert by_text[next(t for t in by_text if "SMOKING" in t)] == "safety"
    assert by_text[next(t for t in by_text if "small claims" in t)] == "legal"


def test_the_project_router_agrees_with_the_intended_routes(workspace):
    """Runs once the router exists; a mismatch means the feed, the workspace or
    the router disagree about what the demo shows."""
    routing = pytest.importorskip("bot.routing")
    enrich = pytest.importorskip("bot.intake.enrich")
    normalize = pytest.importorskip("bot.intake.normalize")
    if not hasattr(routing, "Router"):
        pytest.skip("bot.routing has no Router yet")
    router = routing.Router(workspace.routes)
    expected = json.loads(path("expected_routes.json").read_text(encoding="utf-8"))
    mentions, _ = read_mentions(path("feed.jsonl"))
    wrong = []
    for m in mentions:
        text = normalize.normalize(m.text)
        match = router.route(m, text, enrich.Facts(m, text, workspace.organisation.handles))
        got = match.route if match else None
        if got != expected[f"{m.network}:{m.external_id}"]:
            wrong.append(f"{m.created_at:%H:%M} {got} ≠ {expected[f'{m.network}:{m.external_id}']}: {m.text[:60]}")
    assert wrong == []
