"""`rejoinder crm check`, `rejoinder crm backfill` and `rejoinder timeline
export` as real processes against a local HubSpot and a database file."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.drafting.template import TemplateDrafter
from bot.store import tables as t
from bot.store.db import Database
from tests.core.harness import T0, mention
from tests.crm.conftest import TOKEN
from tests.crm.world import crm_workspace

ROOT = Path(__file__).resolve().parents[2]


async def rejoinder(tmp_path: Path, *args: str, token: str = TOKEN, env_extra: dict | None = None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= {"REJOINDER_CONFIG": str(tmp_path / "rejoinder.yaml"), "HUBSPOT_TOKEN": token,
            "REJOINDER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", **(env_extra or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.app.cli import main; main()", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


def write_workspace(tmp_path: Path, url: str, extra: str = "") -> None:
    (tmp_path / "rejoinder.yaml").write_text(crm_workspace(url, extra), encoding="utf-8")


async def test_crm_check_says_ok_or_names_what_is_wrong(tmp_path, hub, seeded):
    write_workspace(tmp_path, hub.url)
    code, out, err = await rejoinder(tmp_path, "crm", "check")
    assert code == 0, err
    assert "OK: hubspot answers; handle fields x→twitterhandle, bluesky→bluesky_handle" in out
    del hub.properties["notes"]["rejoinder_key"]
    code, out, err = await rejoinder(tmp_path, "crm", "check")
    assert code == 1 and "notes property 'rejoinder_key' does not exist" in err
    code, out, err = await rejoinder(tmp_path, "crm", "check", token="pat-wrong")
    assert code == 1 and "rejected the token (401)" in err and TOKEN not in err + out


async def ingest(tmp_path: Path, url: str, *mentions) -> None:
    ws = parse_workspace(crm_workspace(url), "test.yaml")
    db = await Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}").start()
    drafter = TemplateDrafter(organisation="Acme")
    await Core(ws, db, ManualClock(T0), drafter, drafter).pipeline.ingest(list(mentions))
    await db.close()


async def cache(tmp_path: Path) -> dict[str, str]:
    db = await Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}").start()
    async with db.sessions() as s:
        rows = {r.subject: r.status for r in (await s.execute(select(t.CrmCache))).scalars()}
    await db.close()
    return rows


async def test_backfill_links_authors_and_resumes_where_it_stopped(tmp_path, hub, seeded):
    write_workspace(tmp_path, hub.url)
    await ingest(tmp_path, hub.url, mention(1, "@acme my order is broken"))
    hub.fail_next("POST /crm/v3/objects/contacts/search", times=1, status=503)
    code, out, err = await rejoinder(tmp_path, "crm", "backfill")
    assert code == 1 and "run again to resume" in err
    code, out, err = await rejoinder(tmp_path, "crm", "backfill")
    assert code == 0, err
    assert "1 matched, 0 without a contact" in err
    assert "linking authors to hubspot" in err and "100%" in err  # the progress bar, as it ended
    assert await cache(tmp_path) == {"x:maria": "ok"}
    await ingest(tmp_path, hub.url, mention(2, "@acme order broken", handle="jb_rides"))
    searches = len(hub.calls_to("POST", "/crm/v3/objects/contacts/search"))
    code, out, err = await rejoinder(tmp_path, "crm", "backfill")
    assert code == 0 and "0 matched, 1 without a contact" in err  # maria was done already
    assert len(hub.calls_to("POST", "/crm/v3/objects/contacts/search")) == searches + 1
    assert await cache(tmp_path) == {"x:maria": "ok", "x:jb_rides": "no_match"}
    # A customer of the built-in directory, on a network without a handle field: found by email.
    db = await Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}").start()
    async with db.transaction() as s:
        customer = t.Customer(name="Maria Kowalski", email="maria@example.com", tier="vip", lifetime_value=0.0,
                              created_at=T0)
        s.add(customer)
        await s.flush()
        s.add(t.Identity(customer_id=customer.id, network="mastodon", handle="maria@bikes.social"))
    await db.close()
    code, out, err = await rejoinder(tmp_path, "crm", "backfill")
    assert code == 0 and "1 matched, 0 without a contact" in err
    assert (await cache(tmp_path))["mastodon:maria@bikes.social"] == "ok"


async def test_timeline_export_as_csv_and_jsonl(tmp_path, hub, seeded):
    write_workspace(tmp_path, hub.url)
    await ingest(tmp_path, hub.url, mention(1, "@acme my order is broken"), mention(2, "@acme order broken", handle="jb"))
    code, out, err = await rejoinder(tmp_path, "timeline", "export", "--format", "jsonl")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [(e["timeline"], e["kind"], e["case_id"]) for e in events] == [("case", "opened", 1), ("case", "opened", 2)]
    assert events[0]["detail"]["route"] == "support" and events[0]["network"] == "x"
    code, out, err = await rejoinder(tmp_path, "timeline", "export", "--format", "csv", "--out", "t.csv")
    assert code == 0 and "2 events exported" in err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert [r["kind"] for r in rows] == ["opened", "opened"] and json.loads(rows[1]["detail"])["route"] == "support"
    code, out, err = await rejoinder(tmp_path, "timeline", "export", "--since", "yesterday")
    assert code == 2 and "use a date like" in err
