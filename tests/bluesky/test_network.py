"""The local network itself: reachable on loopback only, and speaking atproto."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.bluesky_net import harness


def listening(port: int) -> set[str]:
    """Local addresses (hex, as the kernel lists them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_servers_listen_on_loopback_only(bluesky_network):
    for url in (bluesky_network.pds_url, bluesky_network.plc_url):
        port = urlparse(url).port
        assert listening(port) == {"0100007F"}, f"{url} listens on {listening(port)}"


def test_pds_answers_describe_server(bluesky_network):
    answer = httpx.get(f"{bluesky_network.pds_url}/xrpc/com.atproto.server.describeServer", timeout=5).json()
    assert ".test" in answer["availableUserDomains"] and answer["inviteCodeRequired"] is False


def test_missing_node_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no npm
    reason = harness._install()
    assert reason and "node" in reason
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="LOCAL BLUESKY NETWORK UNAVAILABLE"):
        harness._unavailable(reason)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="LOCAL BLUESKY NETWORK UNAVAILABLE"):
        harness._unavailable(reason)
