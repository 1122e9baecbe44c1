"""The replay checks on their own: a feed that went missing after the
workspace was loaded, a folder instead of a file, an output folder that is gone."""
from __future__ import annotations

import pytest

from bot.ports import SourceCheckFailed
from integrations.social.replay import ReplayPublisher, ReplaySource


async def test_feed_missing_or_a_folder(tmp_path):
    with pytest.raises(SourceCheckFailed) as missing:
        await ReplaySource("demo", tmp_path / "feed.jsonl").check()
    assert missing.value.message == (f"feed file {tmp_path / 'feed.jsonl'} does not exist: create it or fix `path` "
                                     "in rejoinder.yaml")
    with pytest.raises(SourceCheckFailed) as folder:
        await ReplaySource("demo", tmp_path).check()
    assert folder.value.message == f"{tmp_path} is a folder, not a feed file: point `path` at a JSONL file"


async def test_bad_lines_are_counted_but_pass(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"network": "replay"}\n\nnot json\n', encoding="utf-8")
    text = await ReplaySource("demo", feed).check()
    assert text.startswith(f"feed {feed} is readable: 0 mentions; 2 bad line(s) will be skipped, the first: "
                           "feed.jsonl:1: external_id: Field required")


async def test_output_folder_must_exist(tmp_path):
    with pytest.raises(SourceCheckFailed) as gone:
        await ReplayPublisher(tmp_path / "out" / "replies.jsonl").check()
    assert gone.value.message == (f"the folder for replies, {tmp_path / 'out'}, does not exist: create it or fix "
                                  "`output` in rejoinder.yaml")
    existing = tmp_path / "replies.jsonl"
    existing.write_text("kept\n", encoding="utf-8")
    assert await ReplayPublisher(existing).check() == f"replies go to {existing}; the folder is writable"
    assert existing.read_text(encoding="utf-8") == "kept\n"  # opened for appending, nothing added
    assert sorted(p.name for p in tmp_path.iterdir()) == ["replies.jsonl"]  # the probe file is gone
