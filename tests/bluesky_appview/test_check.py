"""`check()` of the mentions source: plain messages, no secrets."""
from __future__ import annotations

import pytest
from aiohttp import web

from bot.ports import SourceCheckFailed
from tests.bluesky_appview.faulty_pds import FaultyPds


async def test_check_with_the_right_password_reports_the_appview(bluesky_appview_network, new_brand, new_source):
    brand = new_brand()
    report = await new_source(brand).check()
    assert report == (f"logged in as @{brand.handle} ({brand.did}) on {bluesky_appview_network.pds_url}; "
                      "the PDS's own AppView answers listNotifications")
    did = bluesky_appview_network.appview_did
    report = await new_source(brand, session_string=brand.session, appview_did=did).check()
    assert report.startswith(f"resumed the saved session as @{brand.handle}")
    assert report.endswith(f"the AppView {did} answers listNotifications")


async def test_bad_password_fails_with_a_plain_message(bluesky_appview_network, new_brand, new_source):
    brand = new_brand()
    with pytest.raises(SourceCheckFailed) as failed:
        await new_source(brand, password="not-the-password").check()
    message = failed.value.message
    assert message == (f"{bluesky_appview_network.pds_url} refused the login of @{brand.handle} (Invalid identifier "
                       "or password): check the handle and use an app password (Settings > App passwords)")
    assert failed.value.credentials == ("handle", "password")
    assert "not-the-password" not in message


async def test_appview_without_a_did_document_is_named(bluesky_appview_network, new_brand, new_source):
    # The local AppView has a did:plc, so it publishes no /.well-known/did.json.
    source = new_source(new_brand(), appview_url=bluesky_appview_network.appview_url)
    with pytest.raises(SourceCheckFailed, match=r"appview_url http://127\.0\.0\.1:\d+: .*/\.well-known/did\.json "
                                                r"answered HTTP 404 .*set appview_did"):
        await source.check()


async def test_a_did_that_is_no_appview_fails_the_check(bluesky_appview_network, new_brand, new_source):
    brand = new_brand()  # its DID document names a PDS, not an AppView
    with pytest.raises(SourceCheckFailed) as failed:
        await new_source(brand, appview_did=brand.did).check()
    assert failed.value.message == (
        f"{bluesky_appview_network.pds_url} could not forward to the AppView {brand.did} (could not resolve proxy "
        "did service url): check appview_url and appview_did in rejoinder.yaml")


async def test_a_pds_without_appview_is_named(bluesky_appview_network, new_brand, new_source):
    relay = FaultyPds(bluesky_appview_network.pds_url)  # answers as a PDS without an AppView does
    url = await relay.start()
    relay.fail_next("app.bsky.notification.listNotifications", web.json_response(
        {"error": "UpstreamFailure", "message": "Upstream Failure"}, status=502))
    try:
        with pytest.raises(SourceCheckFailed) as failed:
            await new_source(new_brand(), service_url=url).check()
    finally:
        await relay.close()
    assert failed.value.message == (
        f"{url} could not get the notifications from the PDS's own AppView (Upstream Failure): the PDS needs "
        "an AppView (set appview_url or appview_did in rejoinder.yaml, or turn notifications off)")
