"""The AppView network itself: loopback only, and PostgreSQL/Redis missing is loud."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.bluesky.test_network import listening
from tests.bluesky_net import harness


def test_appview_listens_on_loopback_only(bluesky_appview_network):
    for url in (bluesky_appview_network.appview_url, bluesky_appview_network.pds_url):
        port = urlparse(url).port
        assert listening(port) == {"0100007F"}, f"{url} listens on {listening(port)}"


def test_the_appview_gets_its_own_schema_name_of_letters():
    first, second = harness.appview_environment(), harness.appview_environment()
    assert first["DB_POSTGRES_SCHEMA"] != second["DB_POSTGRES_SCHEMA"]
    assert first["DB_POSTGRES_SCHEMA"].replace("_", "").isalpha()


@pytest.mark.parametrize("server, setting", [("PostgreSQL", "POSTGRES_ADMIN"), ("Redis", "REDIS_URL")])
def test_missing_server_fails_in_ci_and_skips_elsewhere(monkeypatch, server, setting):
    closed = {"POSTGRES_ADMIN": "postgresql://postgres@127.0.0.1:1/postgres", "REDIS_URL": "redis://127.0.0.1:1/0"}
    monkeypatch.setattr(f"tests.conftest.{setting}", closed[setting])
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"SKIPPED LOUDLY: {server} \\(for the Bluesky AppView\\)"):
        harness.appview_environment()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"CI: {server} \\(for the Bluesky AppView\\)"):
        harness.appview_environment()
