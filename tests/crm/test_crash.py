"""kill -9 between the CRM write and the outbox's acknowledgement, then a
restart: the note exists once. The first process writes the note and is
killed while HubSpot's answer is held back; the second recovers the row as
uncertain, finds the note by its key and does not write it again."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.crm.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0


async def child(db_url: str, url: str, mode: str, token: str = TOKEN) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.crm.crash_child", db_url, url, token, mode, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def kill_after_the_note_then_resume(tmp_path, hub) -> dict:
    """A first process is killed (SIGKILL) once its note is written, its answer held back;
    a second resumes on the same database. Returns the second's report."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    hub.holds["POST /crm/v3/objects/notes"] = 1
    first = await child(db_url, hub.url, "ingest")
    try:
        await hub.wait_until(lambda: len(hub.objects["notes"]) == 1, WAIT, "the note written by the first process")
    finally:
        first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    second = await child(db_url, hub.url, "resume")
    out, err = await asyncio.wait_for(second.communicate(), WAIT)
    assert second.returncode == 0, err.decode()[-2000:]
    return json.loads(out.decode().strip().splitlines()[-1])


async def test_kill_9_after_the_note_is_written_then_restart_keeps_one_note(tmp_path, hub, seeded):
    report = await kill_after_the_note_then_resume(tmp_path, hub)
    assert report["recovered"] == 1  # the write was mid-flight at the kill
    write = next(r for r in report["rows"] if r["kind"] == "crm.write")
    # The retry found the note by its key instead of writing another. The attempt cut short by the kill is
    # given back (a crash loop must not use up a row's attempts), so one attempt is on record.
    assert write["status"] == "sent" and write["result"]["found"] is True and write["attempts"] == 1
    assert len(hub.notes_on(seeded.maria)) == 1 and len(hub.objects["notes"]) == 1
    looked = [c for c in hub.calls if c.method == "GET" and c.query.get("idProperty") == "rejoinder_key"]
    assert [c.path for c in looked] == ["/crm/v3/objects/notes/crm:mention:x:1"]  # by its key, before writing
    # The first process's create never got its answer (nor a line in the log); the second made none.
    assert hub.calls_to("POST", "/crm/v3/objects/notes") == []


async def test_kill_9_with_a_key_property_that_is_not_unique_still_keeps_one_note(tmp_path, hub, seeded):
    """Where the key property cannot be unique, HubSpot refuses the read by it, and its
    search trails writes by seconds: the retry reads the contact's notes instead."""
    hub.define("notes", "rejoinder_key", unique=False)
    hub.search_lag = 600.0  # the note written before the kill is not in search yet
    report = await kill_after_the_note_then_resume(tmp_path, hub)
    write = next(r for r in report["rows"] if r["kind"] == "crm.write")
    assert report["recovered"] == 1 and write["status"] == "sent" and write["result"]["found"] is True
    assert len(hub.objects["notes"]) == 1 and hub.calls_to("POST", "/crm/v3/objects/notes") == []
    assert hub.calls_to("GET", f"/crm/v4/objects/contacts/{seeded.maria}/associations/notes")


async def test_kill_9_after_the_task_is_written_then_restart_keeps_one_task(tmp_path):
    from tests.crm.salesforce_setup import seed
    from tests.emulators.salesforce import SalesforceEmulator
    from tests.emulators.tls import self_signed

    cert, context = self_signed(tmp_path)
    sf = await SalesforceEmulator(context).start()
    try:
        seeded = seed(sf)
        db_url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
        upsert = "PATCH /services/data/v62.0/sobjects/Task/Rejoinder_Key__c/crm:mention:x:1"
        sf.holds[upsert] = 1
        first = await child(db_url, sf.url, "ingest", token=f"salesforce:{cert}")
        try:
            await sf.wait_until(lambda: len(sf.tasks_on(seeded.maria)) == 1, WAIT, "the task written by the first process")
        finally:
            first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        second = await child(db_url, sf.url, "resume", token=f"salesforce:{cert}")
        out, err = await asyncio.wait_for(second.communicate(), WAIT)
        assert second.returncode == 0, err.decode()[-2000:]
        report = json.loads(out.decode().strip().splitlines()[-1])
        write = next(r for r in report["rows"] if r["kind"] == "crm.write")
        assert report["recovered"] == 1 and write["status"] == "sent" and write["result"]["found"] is True
        assert len(sf.tasks_on(seeded.maria)) == 1 and sf.calls_to("PATCH", upsert.split(" ", 1)[1]) == []
    finally:
        await sf.close()
