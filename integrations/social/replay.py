"""Replay: mentions read from a JSONL file, replies written to a JSONL file.

This is the "network" of `rejoinder demo` and of tests: no account, no
internet, and every reply lands in a file a person can read.

The source's cursor is the number of lines consumed so far, so a restart with
the saved cursor resumes right after the last stored line. The publisher
appends one fsynced line per reply, so a crash leaves at worst one half line at
the end, which readers skip.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from bot.ports import SourceCheckFailed, SourceItem
from bot.types import Mention, PostedReply

# Lines read between two turns given to the rest of the process: a turn per
# line costs more than the line, and a reader waits at most this many lines.
YIELD_EVERY = 200


def _describe(error: ValidationError) -> str:
    """`author.followers: Input should be ...; text: Field required`."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(line)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _validated(raw: bytes) -> Mention | None:
    """Bytes to a Mention in one pass of pydantic-core; None if they are not one."""
    try:
        return Mention.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError):
        return None


def parse_line(raw: bytes, place: str) -> Mention | str:
    """One feed line as a Mention, or an error message starting with `place`."""
    # The slow path below only runs for a line that fails, to say why in words.
    mention = _validated(raw)
    if mention is not None:
        return mention
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{place}: not UTF-8 text (byte {exc.start})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{place}: not valid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:  # thousands of nested brackets: no post looks like that
        return f"{place}: nested too deeply to be a post"
    if not isinstance(data, dict):
        return f"{place}: expected a JSON object, got {type(data).__name__}"
    try:
        return Mention.model_validate(data)
    except ValidationError as exc:
        return f"{place}: {_describe(exc)}"


def _lines(path: Path, *, tail: bool) -> Iterator[tuple[int, bytes | None]]:
    """(line number, content) for each line; None content for a blank line.

    With `tail`, a last line without a newline that is not yet valid JSON is
    taken as still being written: it is neither consumed nor reported.
    """
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            complete = raw.endswith(b"\n")
            body = raw.strip()
            if not complete and tail and body:
                try:
                    json.loads(body)
                except ValueError:
                    return
            yield number, (body or None)


class ReplaySource:
    """Implements `bot.ports.Source` over a JSONL file of `Mention` objects."""

    network = "replay"

    def __init__(self, name: str, path: Path, on_error: Callable[[str], None] | None = None):
        self.name = name
        self.path = Path(path)
        self.on_error = on_error

    async def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        skip = _cursor_lines(cursor, self.name)
        for number, body in _lines(self.path, tail=True):
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the consumer run now and then, not after every line
            if number <= skip:
                continue
            if body is None:
                continue  # blank lines are padding, not errors
            mention = _validated(body)
            if mention is not None:  # the line itself goes on the bus: the pipeline validates it the same way
                yield SourceItem(mention, cursor=str(number), json=_text(body))
                continue
            parsed = parse_line(body, f"{self.path.name}:{number}")
            if isinstance(parsed, str):
                if self.on_error is not None:
                    self.on_error(parsed)
                # A bad line yields no mention but still moves the saved cursor past it.
                yield SourceItem(None, cursor=str(number))
            else:
                yield SourceItem(parsed, cursor=str(number))

    async def check(self) -> str:
        """The feed file exists and can be read; bad lines are counted, not fatal."""
        try:
            mentions, errors = await asyncio.to_thread(read_mentions, self.path)
        except FileNotFoundError:
            raise SourceCheckFailed(f"feed file {self.path} does not exist: create it or fix `path` "
                                    "in rejoinder.yaml") from None
        except IsADirectoryError:
            raise SourceCheckFailed(f"{self.path} is a folder, not a feed file: point `path` at a JSONL file") from None
        except OSError as exc:
            raise SourceCheckFailed(f"cannot read feed file {self.path}: {exc.strerror or exc}") from None
        found = f"{len(mentions)} mention" + ("" if len(mentions) == 1 else "s")
        if errors:
            found += f"; {len(errors)} bad line(s) will be skipped, the first: {errors[0]}"
        return f"feed {self.path} is readable: {found}"


def _text(body: bytes) -> str | None:
    """The line a mention was validated from, as text for the bus."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:  # the pump serialises the mention instead
        return None


def _cursor_lines(cursor: str | None, name: str) -> int:
    if cursor is None or cursor == "":
        return 0
    try:
        value = int(cursor)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"replay source {name!r}: saved cursor {cursor!r} is not a line count")
    return value


def read_mentions(path: Path) -> tuple[list[Mention], list[str]]:
    """Every mention in the file plus one message per bad line (for previews)."""
    path = Path(path)
    mentions: list[Mention] = []
    errors: list[str] = []
    for number, body in _lines(path, tail=False):
        if body is None:
            continue
        parsed = parse_line(body, f"{path.name}:{number}")
        if isinstance(parsed, str):
            errors.append(parsed)
        else:
            mentions.append(parsed)
    return mentions, errors


def reply_id(idempotency_key: str) -> str:
    return "reply-" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:12]


def read_replies(path: Path) -> list[dict]:
    """The replies written so far; a torn or foreign line is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    replies = []
    with path.open("rb") as f:
        for raw in f:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and "idempotency_key" in record:
                replies.append(record)
    return replies


class ReplayPublisher:
    """Implements `bot.ports.Publisher` by appending replies to a JSONL file.

    `network="*"` answers on any network; otherwise only on that one.
    """

    def __init__(self, path: Path, network: str = "*", length_limit: int = 10_000):
        self.path = Path(path)
        self.network = network
        self.length_limit = length_limit
        self._lock = asyncio.Lock()

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply:
        if self.network not in ("*", target.network):
            raise ValueError(f"this publisher posts on {self.network}, not on {target.network}")
        if len(text) > self.length_limit:
            raise ValueError(f"reply is {len(text)} characters; the limit here is {self.length_limit}")
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        async with self._lock:
            existing = await asyncio.to_thread(self._find, idempotency_key)
            if existing is not None:
                return existing
            record = {
                "idempotency_key": idempotency_key,
                "network": target.network,
                "in_reply_to": target.external_id,
                "conversation_id": target.conversation_id or target.external_id,
                "text": text,
                "external_id": reply_id(idempotency_key),
                "posted_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            await asyncio.to_thread(self._append, record)
            return PostedReply(network=target.network, external_id=record["external_id"])

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        async with self._lock:
            return await asyncio.to_thread(self._find, idempotency_key)

    async def check(self) -> str:
        """Replies can be written: the file opens for appending (nothing is
        added) and the folder takes a new file (made and removed again)."""
        return await asyncio.to_thread(self._check_writable)

    def _check_writable(self) -> str:
        folder = self.path.parent
        if not folder.is_dir():
            raise SourceCheckFailed(f"the folder for replies, {folder}, does not exist: create it or fix `output` "
                                    "in rejoinder.yaml")
        try:
            if self.path.exists():
                with self.path.open("ab"):
                    pass
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise SourceCheckFailed(f"cannot write replies to {self.path}: {exc.strerror or exc}") from None
        return f"replies go to {self.path}; the folder is writable"

    def _find(self, idempotency_key: str) -> PostedReply | None:
        for record in read_replies(self.path):
            if record.get("idempotency_key") == idempotency_key:
                return PostedReply(network=str(record.get("network", "")),
                                   external_id=str(record.get("external_id", "")))
        return None

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            # After a crash mid-write the file may end in a torn line: start on a
            # fresh line so this record stays readable.
            if os.fstat(fd).st_size and not _ends_with_newline(self.path):
                line = b"\n" + line
            while line:
                line = line[os.write(fd, line):]
            os.fsync(fd)
        finally:
            os.close(fd)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
