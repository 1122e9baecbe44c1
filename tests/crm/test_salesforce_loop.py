"""End to end with a local Salesforce: the card shows the contact's
opportunities and open cases; the mention and the published reply become one
Task each; a case on a mapped route opens a Salesforce Case that closes when
the Rejoinder case is resolved."""
from __future__ import annotations

import pytest

from bot.chat.text_view import card_lines
from integrations.crm.salesforce import SalesforceDirectory
from integrations.crm.salesforce.auth import TimeoutSession
from tests.core.harness import DANA, SAM, mention
from tests.crm.salesforce_setup import SECRETS, seed
from tests.crm.world import make_crm_world
from tests.emulators.salesforce import SalesforceEmulator
from tests.emulators.tls import self_signed


@pytest.fixture
async def sf(tmp_path):
    cert, context = self_signed(tmp_path)
    emulator = await SalesforceEmulator(context).start()
    emulator.cert = cert
    yield emulator
    await emulator.close()


def crm_yaml(url: str) -> str:
    return f"""
crm:
  type: salesforce
  instance_url: {url}
  login_url: {url}
  client_id_env: SF_CLIENT_ID
  client_secret_env: SF_CLIENT_SECRET
  refresh_token_env: SF_REFRESH_TOKEN
  handle_fields: {{x: Twitter_Handle__c}}
  tickets: {{routes: [legal]}}
"""


def connector(sf):
    def build(ws, db=None):
        session = TimeoutSession(5)
        session.verify = str(sf.cert)
        return SalesforceDirectory(ws.crm, SECRETS, session=session)
    return build


async def test_salesforce_card_tasks_and_a_case_per_mapped_route(database_url, tmp_path, sf):
    seeded = seed(sf)
    w = await make_crm_world(database_url, tmp_path, sf.url, "", crm_yaml=crm_yaml(sf.url), directory=connector(sf))
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        shown = "\n".join(card_lines(w.chat.drawn[r.case_id]))
        assert "Salesforce: Maria Kowalski · Kowalski Cycles · tier Hot" in shown
        assert "opportunity Fleet renewal" in shown and "Brake recall question" in shown and "owner: Olga Novak" in shown
        await w.run(SAM, "draft", r.case_id)
        await w.run(DANA, "approve", r.case_id)
        tasks = sf.tasks_on(seeded.maria)
        assert sorted(t["Rejoinder_Key__c"].split(":")[1] for t in tasks) == ["mention", "reply"]
        assert all(t["WhatId"] == seeded.account for t in tasks)
        cases_before = len(sf.records["Case"])
        [legal] = await w.ingest(mention(2, "@acme my lawyer will sue over this broken order", minutes=1))
        assert legal.match.route == "legal"
        opened = [c for c in sf.records["Case"].values() if c.get("Rejoinder_Key__c") == f"crm:ticket:{legal.case_id}"]
        assert len(sf.records["Case"]) == cases_before + 1 and opened[0]["Status"] == "New"
        await w.run(SAM, "resolve", legal.case_id, "handled by legal")
        assert opened[0]["Status"] == "Closed" and opened[0]["IsClosed"]
    finally:
        await w.db.close()


async def test_crm_check_logs_in_with_secrets_from_the_environment(tmp_path, sf):
    from tests.core.harness import WORKSPACE
    from tests.crm.test_cli import rejoinder

    seed(sf)
    (tmp_path / "rejoinder.yaml").write_text(WORKSPACE + crm_yaml(sf.url), encoding="utf-8")
    env = {"SF_CLIENT_ID": SECRETS["client_id_env"], "SF_CLIENT_SECRET": SECRETS["client_secret_env"],
           "SF_REFRESH_TOKEN": SECRETS["refresh_token_env"], "REQUESTS_CA_BUNDLE": str(sf.cert)}
    code, out, err = await rejoinder(tmp_path, "crm", "check", env_extra=env)
    assert code == 0, err
    assert "OK: salesforce answers; handle fields x→Twitter_Handle__c; key field Rejoinder_Key__c" in out
    code, out, err = await rejoinder(tmp_path, "crm", "check", env_extra={**env, "SF_REFRESH_TOKEN": "revoked"})
    assert code == 1 and "invalid_grant" in err and "sf-secret" not in err + out
    code, out, err = await rejoinder(tmp_path, "crm", "check", env_extra={**env, "SF_CLIENT_SECRET": ""})
    assert code == 1 and "SF_CLIENT_SECRET, which is not set" in err
