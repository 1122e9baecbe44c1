"""`rejoinder run` as the cluster tests start it: the real command line, with
the console chat platform writing every card and thread line to a shared,
append-only file (REJOINDER_TEST_CHAT_LOG). Like Slack, that platform keeps
its history, so `find_card` and `find_in_thread` see what any process posted
before it died, and the test can count every write.

    python -m tests.cluster.node run --role all
"""
from __future__ import annotations

import io
import json
import os
import sys

from rich.console import Console

from bot.types import MessageRef
from integrations.chat.console import ConsolePlatform


def read_log(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    out = []
    with open(path, "rb") as f:
        for raw in f:
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue  # a line torn by a kill
    return out


class LoggedConsole(ConsolePlatform):
    def __init__(self, path: str) -> None:
        super().__init__(Console(file=io.StringIO()), verbose=False)
        self.path = path
        # What the log holds, read on from where the last look stopped: a look
        # costs what was added since, as a platform's search would, not the whole log.
        self._read, self._cards, self._lines = 0, {}, {}

    def _catch_up(self) -> None:
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as f:
            f.seek(self._read)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        self._read += end
        for raw in chunk[:end].splitlines():
            try:
                r = json.loads(raw)
            except ValueError:
                continue  # a line torn by a kill
            if r["kind"] == "card":
                self._cards.setdefault((r["case"], r["channel"]), r["id"])
            else:
                self._lines.setdefault(r["key"], r["id"])

    def _append(self, record: dict) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            # One write: lines of processes never interleave. No fsync: a killed
            # process's writes are in the page cache already; only the machine could lose them.
            os.write(fd, (json.dumps(record) + "\n").encode())
        finally:
            os.close(fd)

    async def post_card(self, channel, card):
        ref = await super().post_card(channel, card)
        self._append({"kind": "card", "case": card.case_id, "channel": channel, "id": ref.message_id})
        return ref

    async def find_card(self, channel, case_id):
        self._catch_up()
        found = self._cards.get((case_id, channel))
        return MessageRef("console", channel, found) if found else None

    async def post_in_thread(self, ref, text, key=None):
        line = await super().post_in_thread(ref, text, key)
        self._append({"kind": "line", "key": key, "thread": ref.message_id, "text": text, "id": line.message_id})
        return line

    async def find_in_thread(self, ref, key):
        self._catch_up()
        found = self._lines.get(key)
        return MessageRef("console", ref.channel, found, thread_id=ref.thread_id or ref.message_id) if found else None


def main() -> None:
    import faulthandler
    import signal

    import bot.app.root as root

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the harness asks for stacks of a stuck stop
    real_create = root.App.create.__func__

    async def create(cls, *args, **kwargs):
        import asyncio

        def tasks() -> None:  # and for what each asyncio task awaits
            for task in asyncio.all_tasks():
                task.print_stack(file=sys.stderr)
            sys.stderr.flush()

        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR2, tasks)
        return await real_create(cls, *args, **kwargs)

    root.App.create = classmethod(create)

    path = os.environ["REJOINDER_TEST_CHAT_LOG"]
    real = root.build_platforms

    def build_platforms(ws, settings):
        platforms = real(ws, settings)
        platforms["console"] = LoggedConsole(path)
        return platforms

    root.build_platforms = build_platforms
    if os.environ.get("REJOINDER_TEST_LAG_LOG"):
        import asyncio
        import time

        real_run = root.App.run

        async def run_with_lag(self, *args, **kwargs):
            async def watch():
                while True:
                    start = time.monotonic()
                    await asyncio.sleep(0.05)
                    lag = time.monotonic() - start - 0.05
                    if lag > 0.3:
                        import logging
                        logging.getLogger("lag").warning("event loop stalled %.2f s", lag)
            task = asyncio.create_task(watch())
            try:
                return await real_run(self, *args, **kwargs)
            finally:
                task.cancel()

        root.App.run = run_with_lag
    delay = float(os.environ.get("REJOINDER_TEST_PUBLISH_DELAY", "0"))
    if delay:  # a slow network: replies are in flight long enough to be cut by a stop
        import asyncio

        from integrations.social.replay import ReplayPublisher

        fast = ReplayPublisher.reply

        async def slow_reply(self, target, text, idempotency_key):
            await asyncio.sleep(delay)
            return await fast(self, target, text, idempotency_key)

        ReplayPublisher.reply = slow_reply
    from bot.app.cli import main as cli

    sys.argv = ["rejoinder", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
