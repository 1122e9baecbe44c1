"""Publishing is exactly once: retries after failures and crashes never post twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.publishing.outbox import OutboxWorker
from bot.ports import Command, PublishUncertain
from bot.publishing.replies import mention_from_rows
from bot.store import tables as t
from integrations.social.replay import ReplayPublisher
from tests.core.harness import DANA, SAM, make_world, mention


class FlakyPublisher(ReplayPublisher):
    """A real replay publisher whose first replies fail in chosen ways."""

    def __init__(self, path, failures):
        super().__init__(path)
        self.failures = list(failures)
        self.calls = []

    async def reply(self, target, text, idempotency_key):
        self.calls.append(("reply", idempotency_key))
        mode = self.failures.pop(0) if self.failures else None
        if mode == "before":
            raise ConnectionError("connection refused")
        posted = await super().reply(target, text, idempotency_key)
        if mode == "after":
            raise PublishUncertain("timed out waiting for the network's answer")
        return posted

    async def find_reply(self, target, idempotency_key):
        self.calls.append(("find", idempotency_key))
        return await super().find_reply(target, idempotency_key)


async def approved_case(w):
    [r] = await w.ingest(mention(1, "@acme order broken"))
    await w.run(SAM, "draft", r.case_id)
    await w.run(DANA, "approve", r.case_id)
    return r.case_id


async def outbox_row(w, case_id):
    async with w.db.sessions() as s:
        return (await s.execute(select(t.Outbox).where(t.Outbox.case_id == case_id, t.Outbox.kind == "publish.reply"))).scalar_one()


async def test_uncertain_publish_is_found_not_repeated(sqlite_url, tmp_path):
    publisher = FlakyPublisher(tmp_path / "replies.jsonl", ["after"])
    w = await make_world(sqlite_url, tmp_path, publisher=publisher)
    try:
        case_id = await approved_case(w)
        row = await outbox_row(w, case_id)
        assert row.status == "uncertain" and "timed out" in row.last_error
        w.clock.advance(timedelta(seconds=5))  # past the backoff
        await w.drain()
        row = await outbox_row(w, case_id)
        assert row.status == "sent" and row.attempts == 2
        assert [c[0] for c in publisher.calls] == ["reply", "find"]  # looked first, did not post again
        assert len(w.published()) == 1
    finally:
        await w.db.close()


async def test_failed_attempt_backs_off_then_publishes_once(sqlite_url, tmp_path):
    publisher = FlakyPublisher(tmp_path / "replies.jsonl", ["before", "before"])
    w = await make_world(sqlite_url, tmp_path, publisher=publisher)
    try:
        case_id = await approved_case(w)
        first = await outbox_row(w, case_id)
        w.clock.advance(timedelta(seconds=1))
        await w.drain()
        assert (await outbox_row(w, case_id)).attempts == 1  # not due yet: backoff holds
        w.clock.advance(timedelta(seconds=2))
        await w.drain()
        second = await outbox_row(w, case_id)
        assert second.attempts == 2 and second.next_attempt_at > first.next_attempt_at
        w.clock.advance(timedelta(seconds=10))
        await w.drain()
        assert (await outbox_row(w, case_id)).status == "sent"
        assert len(w.published()) == 1
    finally:
        await w.db.close()


async def test_crash_mid_send_resumes_without_duplicate(sqlite_url, tmp_path):
    """A process dies after the network accepted the reply but before the row
    was marked sent: the next process finds the reply instead of posting again."""
    publisher = FlakyPublisher(tmp_path / "replies.jsonl", [])
    w = await make_world(sqlite_url, tmp_path, publisher=publisher)
    try:
        [r] = await w.ingest(mention(1, "@acme order broken"))
        await w.run(SAM, "draft", r.case_id)
        await w.app.dispatcher.run(Command("approve", "", DANA, case_id=r.case_id))  # no drain: nothing sent yet
        row = await outbox_row(w, r.case_id)
        # Simulate the crash: the reply went out, the row stayed 'sending'.
        async with w.db.transaction() as s:
            live = await s.get(t.Outbox, row.id)
            live.status, live.attempts = "sending", 1
        async with w.db.sessions() as s:
            m, a = (await s.execute(select(t.Mention, t.Author).join(t.Author))).first()
        await publisher.reply(mention_from_rows(m, a), "already out", row.idempotency_key)

        restarted = OutboxWorker(w.db, w.clock, "publish.", w.app.publish_worker.handlers)
        assert await restarted.recover() == 1
        await restarted.run_due()
        assert (await outbox_row(w, r.case_id)).status == "sent"
        assert len(w.published()) == 1 and w.published()[0]["text"] == "already out"
        async with w.db.sessions() as s:
            assert (await s.get(t.Case, r.case_id)).stage == "published"
    finally:
        await w.db.close()


async def test_missing_publisher_fails_clearly(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        w.app.publish_worker.handlers["publish.reply"].__self__.publishers.clear()
        case_id = await approved_case(w)
        row = await outbox_row(w, case_id)
        assert row.status == "failed" and "no publisher is configured for x" in row.last_error
    finally:
        await w.db.close()


class RefusingPublisher(FlakyPublisher):
    """Turns down the first reply as the network would a text it can never take."""

    async def reply(self, target, text, idempotency_key):
        if self.failures and self.failures[0] == "too long":
            self.failures.pop(0)
            self.calls.append(("reply", idempotency_key))
            raise ValueError("Mastodon reply is 520 characters long with the author's @-mention; this instance "
                             "allows at most 500")
        return await super().reply(target, text, idempotency_key)


def thread_text(w) -> list[str]:
    return [text for _ref, text in w.chat.thread_lines]


async def test_a_reply_the_network_refuses_is_given_up_at_once_and_the_thread_is_told(sqlite_url, tmp_path):
    publisher = RefusingPublisher(tmp_path / "replies.jsonl", ["too long"])
    w = await make_world(sqlite_url, tmp_path, publisher=publisher)
    try:
        case_id = await approved_case(w)
        row = await outbox_row(w, case_id)
        assert (row.status, row.attempts) == ("failed", 1)  # no point in trying the same text again
        [told] = [line for line in thread_text(w) if line.startswith("Publishing on x failed")]
        assert "allows at most 500" in told and "edit it and approve it again" in told
        async with w.db.sessions() as s:
            assert (await s.get(t.Case, case_id)).stage == "approved"
            [event] = (await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "publish_failed"))).scalars()
            assert event.detail["draft"] == row.draft_id

        # What the line says works: an edit goes back for approval and then out, once.
        assert (await w.run(SAM, "edit", case_id, "Sorry Maria, we're on it. DM us your order number?")).ok
        assert (await w.run(DANA, "approve", case_id)).ok
        assert [p["text"] for p in w.published()] == ["Sorry Maria, we're on it. DM us your order number?"]
    finally:
        await w.db.close()


async def test_a_reply_that_keeps_failing_is_given_up_after_its_attempts_and_the_thread_is_told(sqlite_url, tmp_path):
    publisher = FlakyPublisher(tmp_path / "replies.jsonl", ["before"] * 8)
    w = await make_world(sqlite_url, tmp_path, publisher=publisher)
    try:
        case_id = await approved_case(w)  # the first attempt
        for _ in range(7):
            assert not any(line.startswith("Publishing on x failed") for line in thread_text(w))
            w.clock.advance(timedelta(seconds=300))  # past any backoff
            await w.drain()
        row = await outbox_row(w, case_id)
        assert (row.status, row.attempts) == ("failed", 8) and w.published() == []
        [told] = [line for line in thread_text(w) if line.startswith("Publishing on x failed")]
        assert "connection refused (after 8 attempts)" in told
    finally:
        await w.db.close()
