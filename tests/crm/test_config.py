"""`config check` on the crm: and sinks: sections: mistakes are named with
their file, line and field; secrets that are not set are reported."""
from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from bot.app.cli.config_cmd import register
from bot.config.loader import ConfigError, parse_workspace

BASE = """teams:
  - {name: support, channel: help}
routes:
  - {name: legal, team: support, match: {keyword: lawyer}}
sources:
  - {type: replay, name: demo, path: feed.jsonl}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_workspace(BASE + text, "rejoinder.yaml")
    return [f"{i.line}:{i.field}: {i.message}" for i in raised.value.issues]


def test_a_good_hubspot_section_loads_with_defaults(tmp_path):
    (tmp_path / "feed.jsonl").write_text("")
    ws = parse_workspace(BASE + "crm: {type: hubspot, token_env: HUBSPOT_TOKEN, handle_fields: {x: twitterhandle}}\n",
                         "r.yaml", base_dir=tmp_path)
    assert ws.crm.key_field == "rejoinder_key" and ws.crm.writeback == ["mention", "reply", "resolution", "escalation"]
    assert ws.crm.rate_limit.requests == 100 and ws.crm.rate_limit.per_seconds == 10


def test_field_mapping_mistakes_are_named_by_line_and_field():
    found = issues("crm:\n  type: hubspot\n  token_env: HUBSPOT_TOKEN\n  handle_fields: {x: 'twitter handle'}\n"
                   "  tickets: {routes: [legl]}\n  writeback: [mention, replies]\n")
    assert any(f.startswith("10:crm.handle_fields.x") and "not a field name" in f for f in found), found
    assert any(f.startswith("11:crm.tickets.routes[0]") and "did you mean 'legal'" in f for f in found), found
    assert any(f.startswith("12:crm.writeback[1]") for f in found), found


def test_salesforce_needs_the_secrets_of_its_auth_flow():
    found = issues("crm:\n  type: salesforce\n  instance_url: https://acme.my.salesforce.com\n"
                   "  auth: jwt\n  client_id_env: SF_CLIENT_ID\n")
    assert any("auth: jwt needs username_env and private_key_env" in f for f in found), found


def test_config_check_reports_unset_crm_and_sink_secrets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    (tmp_path / "feed.jsonl").write_text("")
    (tmp_path / "rejoinder.yaml").write_text(
        BASE + "crm: {type: hubspot, token_env: HUBSPOT_TOKEN, handle_fields: {x: twitterhandle, mastodn: m}}\n"
        "sinks:\n  - {type: webhook, name: erp, url: 'https://erp.example/hook', secret_env: ERP_SECRET}\n")
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["config", "check"])
    out = result.stdout
    assert "crm.token_env: crm (hubspot) reads token from HUBSPOT_TOKEN, which is not set" in out
    assert "sinks[0].secret_env: sink 'erp' signs with the secret in ERP_SECRET" in out
    assert "maps 'mastodn', but no source listens to mastodn" in out
