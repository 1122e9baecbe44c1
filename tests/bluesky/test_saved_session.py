"""The brand's session is kept in the database between runs: a restart resumes
it without a password login (Bluesky allows about 100 a day), a session the PDS
no longer accepts costs exactly one, and the session string never reaches the
logs."""
from __future__ import annotations

import logging

import pytest

from bot.app.root import App
from bot.config.loader import parse_workspace
from bot.intake.pipeline import load_cursor
from bot.app.settings import Settings
from bot.app.sources import SavedSessions
from integrations.social.bluesky.session import BrandSession
from tests.bluesky.conftest import bluesky_source, expire_access_token, log_out, post
from tests.bluesky.test_publisher import as_mention

KEY = "session:bluesky:tandem.test"


def workspace(net) -> str:
    return """
version: 1
organisation: {name: Tandem, handles: {bluesky: tandem.test}}
teams: [{name: support, channel: "#support"}]
""" + bluesky_source(net, watch_handles="[tandem.test]", handle_env="TEST_BSKY_HANDLE",
                      password_env="TEST_BSKY_PASSWORD")


@pytest.fixture
def settings(tmp_path, monkeypatch, accounts):
    monkeypatch.setenv("TEST_BSKY_HANDLE", accounts["tandem"].handle)
    monkeypatch.setenv("TEST_BSKY_PASSWORD", accounts["tandem"].password)
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")


@pytest.fixture
async def started(bluesky_network, settings, tmp_path):
    """`await started()` -> an App built on the test's database (not running); all closed afterwards."""
    made: list[App] = []

    async def start() -> App:
        ws = parse_workspace(workspace(bluesky_network), "rejoinder.yaml")
        made.append(await App.create(settings, ws, tmp_path, platforms={}))
        return made[-1]
    yield start
    for app in made:
        await app.publishers["bluesky"].close()
        await app.close()


@pytest.fixture
async def target(accounts, as_user):
    maria = await as_user("maria")
    return as_mention(await post(maria, accounts["maria"].did, "@tandem.test is my order on its way?"), "?")


async def test_a_restart_resumes_the_saved_session_without_a_password_login(started, target, monkeypatch):
    first = await started()
    publisher = first.publishers["bluesky"]
    await publisher.reply(target, "Checking now!", "case-71-draft-1")
    assert publisher.password_logins == 1
    assert await load_cursor(first.db, KEY) == publisher.session_string

    monkeypatch.setenv("TEST_BSKY_PASSWORD", "not the password: it must not be needed")
    again = await started()
    resumed = again.publishers["bluesky"]
    posted = await resumed.reply(target, "It left the warehouse today.", "case-71-draft-2")
    assert resumed.password_logins == 0
    assert posted.external_id.startswith(f"at://{resumed.did}/app.bsky.feed.post/")


@pytest.mark.parametrize("spoiled", ["corrupt", "logged out"])
async def test_a_rejected_saved_session_costs_one_login_and_the_new_one_is_saved(
        spoiled, started, target, bluesky_network, accounts, caplog):
    caplog.set_level(logging.INFO)
    first = await started()
    await first.publishers["bluesky"].reply(target, "Checking now!", "case-72-draft-1")
    old = await load_cursor(first.db, KEY)
    if spoiled == "logged out":  # hours later: the access token expired, the refresh token was revoked
        await log_out(bluesky_network.pds_url, old)
        bad = expire_access_token(old)
    else:
        bad = "tandem.test:::did:plc:x:::not-a-jwt:::nor-this:::" + bluesky_network.pds_url
    await SavedSessions(first.db).hooks("bluesky", "tandem.test")["save"](bad)

    again = await started()
    publisher = again.publishers["bluesky"]
    posted = await publisher.reply(target, "It left the warehouse today.", "case-72-draft-2")

    assert publisher.password_logins == 1
    assert posted.external_id.startswith(f"at://{accounts['tandem'].did}/")
    saved = await load_cursor(again.db, KEY)
    assert saved == publisher.session_string and saved not in (old, bad)
    assert "saved session for tandem.test rejected" in caplog.text


def tokens(session_string: str) -> list[str]:
    _handle, _did, access, refresh, _pds = session_string.split(":::")
    return [access, refresh]


async def test_the_session_string_never_reaches_the_logs(started, target, bluesky_network, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="aiosqlite")  # the driver's debug lines echo every SQL value
    first = await started()
    await first.publishers["bluesky"].reply(target, "Checking now!", "case-73-draft-1")
    old = await load_cursor(first.db, KEY)
    await log_out(bluesky_network.pds_url, old)
    await SavedSessions(first.db).hooks("bluesky", "tandem.test")["save"](expire_access_token(old))
    again = await started()
    publisher = again.publishers["bluesky"]
    await publisher.reply(target, "It left the warehouse today.", "case-73-draft-2")

    assert publisher.password_logins == 1 and "rejected" in caplog.text  # the rejection was logged...
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for secret in tokens(old) + tokens(publisher.session_string):
        assert secret not in logged  # ...without the tokens


async def test_a_failed_save_is_logged_without_the_session(bluesky_network, accounts, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="aiosqlite")

    async def save(value: str) -> None:
        raise RuntimeError(f"could not store {value}")

    session = BrandSession(bluesky_network.pds_url, "tandem.test", accounts["tandem"].password,
                           load=lambda: _none(), save=save)
    try:
        await session.login()
    finally:
        await session.close()
    assert session.did == accounts["tandem"].did  # the session works; only the next start pays a login
    assert "could not save the session of tandem.test (RuntimeError)" in caplog.text
    for secret in tokens(session.session_string):
        assert secret not in caplog.text


async def _none() -> None:
    return None
