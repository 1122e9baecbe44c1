"""The local servers the checks talk to: the emulators of the social tests
and the real local Bluesky network, imported rather than copied."""
from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from tests.bluesky.conftest import accounts, pytest_collection_finish  # noqa: F401 - fixture and npm hook
from tests.bluesky_net.harness import bluesky_network  # noqa: F401 - the session fixture
from tests.social_mastodon.conftest import mastodon  # noqa: F401
from tests.social_rss.conftest import feeds  # noqa: F401
from tests.social_x.conftest import x_api  # noqa: F401
from tests.sources_check.reddit_site import RedditSite


@pytest.fixture
async def reddit() -> AsyncIterator[RedditSite]:
    site = await RedditSite().start()
    yield site
    await site.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    # Settings read REJOINDER_* and a .env in the current folder: keep both out.
    monkeypatch.delenv("REJOINDER_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
