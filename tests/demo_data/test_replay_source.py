"""ReplaySource and read_mentions over real files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.demo import path as demo_path
from bot.ports import Source
from integrations.social.replay import ReplaySource, read_mentions


def mention(n: int, **changes) -> dict:
    data = {
        "network": "x",
        "external_id": f"m{n}",
        "author": {"handle": f"rider{n}", "followers": 10},
        "text": f"@tandembikes post number {n}",
        "created_at": f"2026-11-20T09:{n:02d}:00Z",
    }
    data.update(changes)
    return data


def line(data) -> str:
    return json.dumps(data) + "\n"


async def collect(source: ReplaySource, cursor: str | None = None) -> list:
    return [item async for item in source.items(cursor)]


async def test_replays_the_demo_feed_and_resumes_after_the_saved_cursor():
    source = ReplaySource("demo-feed", demo_path("feed.jsonl"))
    assert isinstance(source, Source) and source.network == "replay"
    everything = await collect(source)
    assert len(everything) >= 70 and all(item.mention for item in everything)
    assert [int(i.cursor) for i in everything] == list(range(1, len(everything) + 1))

    saved = everything[29].cursor
    resumed = await collect(source, saved)
    assert [i.mention.external_id for i in resumed] == [i.mention.external_id for i in everything[30:]]
    assert await collect(source, everything[-1].cursor) == []


async def test_bad_lines_are_reported_and_skipped(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        line(mention(1))
        + "{not json\n"
        + line([1, 2])
        + line(mention(4, author={"handle": "neg", "followers": -1}))
        + "\n"
        + line(mention(6, network="X Corp"))
        + line(mention(7)),
        encoding="utf-8",
    )
    errors: list[str] = []
    items = await collect(ReplaySource("t", feed, on_error=errors.append))

    assert [i.mention.external_id for i in items if i.mention] == ["m1", "m7"]
    assert [i.cursor for i in items] == ["1", "2", "3", "4", "6", "7"]  # bad lines still move the cursor
    assert errors[0].startswith("feed.jsonl:2: not valid JSON")
    assert errors[1] == "feed.jsonl:3: expected a JSON object, got list"
    assert errors[2] == "feed.jsonl:4: author.followers: Input should be greater than or equal to 0"
    assert errors[3].startswith("feed.jsonl:6: network: String should match pattern")
    assert len(errors) == 4

    mentions, preview_errors = read_mentions(feed)
    assert [m.external_id for m in mentions] == ["m1", "m7"]
    assert preview_errors == errors


async def test_resume_after_a_bad_line_does_not_report_it_again(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line(mention(1)) + "oops\n" + line(mention(3)), encoding="utf-8")
    errors: list[str] = []
    items = await collect(ReplaySource("t", feed, on_error=errors.append), "2")
    assert [i.mention.external_id for i in items] == ["m3"] and errors == []


async def test_half_written_last_line_waits_for_the_rest(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    third = line(mention(3))
    feed.write_text(line(mention(1)) + line(mention(2)) + third[:25], encoding="utf-8")
    errors: list[str] = []
    source = ReplaySource("t", feed, on_error=errors.append)

    first_pass = await collect(source)
    assert [i.mention.external_id for i in first_pass] == ["m1", "m2"]
    assert errors == [] and first_pass[-1].cursor == "2"

    with feed.open("a", encoding="utf-8") as f:
        f.write(third[25:])
    second_pass = await collect(source, first_pass[-1].cursor)
    assert [(i.mention.external_id, i.cursor) for i in second_pass] == [("m3", "3")]


async def test_complete_last_line_without_newline_is_read(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line(mention(1)) + json.dumps(mention(2)), encoding="utf-8")
    items = await collect(ReplaySource("t", feed))
    assert [i.mention.external_id for i in items] == ["m1", "m2"]


def test_preview_reports_a_torn_last_line(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line(mention(1)) + line(mention(2))[:30], encoding="utf-8")
    mentions, errors = read_mentions(feed)
    assert len(mentions) == 1
    assert len(errors) == 1 and errors[0].startswith("feed.jsonl:2: not valid JSON")


async def test_a_cursor_that_is_not_a_line_count_is_refused(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line(mention(1)), encoding="utf-8")
    with pytest.raises(ValueError, match="not a line count"):
        await collect(ReplaySource("t", feed), "at://nope")


async def test_oversized_text_is_reported_at_its_line_and_the_rest_flows(tmp_path: Path):
    from bot.types import MAX_MENTION_CHARS

    feed = tmp_path / "feed.jsonl"
    feed.write_text(line(mention(1)) + line(mention(2, text="x" * (MAX_MENTION_CHARS + 1))) + line(mention(3)),
                    encoding="utf-8")
    errors: list[str] = []
    items = await collect(ReplaySource("t", feed, on_error=errors.append))
    assert [i.mention.external_id for i in items if i.mention] == ["m1", "m3"]
    assert len(errors) == 1 and errors[0].startswith("feed.jsonl:2: text: String should have at most")
    assert "x" * 100 not in errors[0]  # the message names the place, it does not echo the post
