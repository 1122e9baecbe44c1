"""Alerts and files on Slack: a message with a key that a retry can find,
edited in place, and charts uploaded with files_upload_v2 (the real client
against the local Slack's upload URL), in a channel or under a message."""
from __future__ import annotations

from tests.slack.conftest import CARE, started

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def test_alert_message_is_found_again_and_edited_in_place(emu, core):
    platform = await started(emu, core)
    try:
        ref = await platform.post_message("#care", "Spike on route outage: 12 mentions", key="spike:1", people=("U0BOSS",))
        assert ref.channel == CARE
        posted = emu.messages[CARE][-1]
        assert posted["text"].endswith("<@U0BOSS>") and posted["metadata"]["event_payload"] == {"key": "spike:1"}
        assert await platform.find_message("#care", "spike:1") == ref
        assert await platform.find_message("#care", "spike:2") is None
        await platform.update_message(ref, "Spike over on route outage")
        assert [m["text"] for m in emu.messages[CARE]] == ["Spike over on route outage"]
    finally:
        await platform.stop()


async def test_files_go_up_with_files_upload_v2(emu, core):
    platform = await started(emu, core)
    try:
        first = await platform.post_file("#care", PNG, "report.png", "Weekly report", "Weekly report: 40 mentions")
        # Known only by name: a first message gives the channel id, the file goes under it.
        assert first.channel == CARE and emu.messages[CARE][0]["text"] == "Weekly report: 40 mentions"
        upload = next(iter(emu.files.values()))
        assert upload["data"] == PNG and upload["title"] == "Weekly report" and upload["shared"][0] == CARE
        assert emu.messages[CARE][1]["thread_ts"] == emu.messages[CARE][0]["ts"]
        await platform.post_file(CARE, PNG[:100], "chart.png", "volume", thread=first)
        assert len(emu.files) == 2 and emu.messages[CARE][2]["thread_ts"] == first.message_id
        assert [c.method for c in emu.calls if c.method.startswith("files.")] == [
            "files.getUploadURLExternal", "files.completeUploadExternal"] * 2
    finally:
        await platform.stop()
