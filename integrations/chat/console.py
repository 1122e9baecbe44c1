"""The console chat backend: prints cards with rich and takes typed commands,
acting as a chosen person. Good for the demo, for trying rules, and for tests."""
from __future__ import annotations

import asyncio
import itertools
import tempfile
import uuid
import shlex
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.ports import ChatHandlers, Command
from bot.chat.text_view import card_lines
from bot.types import Card, ChatUser, MessageRef

STYLE = {"urgent": "bold red", "high": "red", "normal": "yellow", "low": "green"}
HELP = (
    "Type a command as the person you act as, e.g. `draft 3`, `approve 3`, `reject 3 too formal`,\n"
    "`edit 3 <text>`, `note 3 <text>`, `say 3 <text>` (a message in the case's thread),\n"
    "`case 3`, `lookup @handle`, `stats`, `as <person>` to switch person, `help`, `quit`."
)


def display_name(user_id: str) -> str:
    return user_id.replace("_", " ").title()


class ConsolePlatform:
    name = "console"

    def __init__(self, console: Console | None = None, verbose: bool = True, files_dir: Path | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.verbose = verbose
        self.files_dir = files_dir  # where posted images and files are written (a temporary folder if None)
        self.messages: dict[str, tuple[MessageRef, str]] = {}  # message id -> (ref, text) of channel messages
        self.message_keys: dict[str, MessageRef] = {}
        self.files: list[tuple[str, Path, str]] = []  # (channel, path, title)
        self.handlers: ChatHandlers | None = None
        # Unique across runs: a card's id is stored and must not collide after a restart.
        self._run = uuid.uuid4().hex[:8]
        self._ids = (f"{self._run}-{n}" for n in itertools.count(1))
        self.cards: dict[int, MessageRef] = {}  # case id -> card message
        self.posted: list[tuple[str, Card]] = []
        self.thread_lines: list[tuple[MessageRef, str]] = []
        self.lines: dict[str, MessageRef] = {}  # outbox key -> thread line

    async def start(self, handlers: ChatHandlers) -> None:
        self.handlers = handlers

    async def stop(self) -> None:
        self.handlers = None

    async def post_card(self, channel: str, card: Card) -> MessageRef:
        ref = MessageRef("console", channel, str(next(self._ids)))
        self.cards[card.case_id] = ref
        self.posted.append((channel, card))
        if self.verbose:
            body = Text("\n".join(card_lines(card)))
            self.console.print(Panel(body, title=f"{channel} · case #{card.case_id}", title_align="left",
                                     border_style=STYLE.get(card.priority, "white")))
        else:
            self.console.print(f"[dim]{channel}[/dim] new case #{card.case_id} ({card.route}, {card.priority})")
        return ref

    async def find_card(self, channel: str, case_id: int) -> MessageRef | None:
        ref = self.cards.get(case_id)
        return ref if ref is not None and ref.channel == channel else None

    async def update_card(self, ref: MessageRef, card: Card) -> None:
        if self.verbose:
            self.console.print(f"[dim]↻ {ref.channel} case #{card.case_id} is now {card.stage}[/dim]")

    async def post_in_thread(self, ref: MessageRef, text: str, key: str | None = None) -> MessageRef:
        self.thread_lines.append((ref, text))
        if self.verbose:
            self.console.print(Text(f"  ↳ {ref.channel} #{self._case_of(ref)}: {text}", style="cyan"))
        line = MessageRef("console", ref.channel, str(next(self._ids)), thread_id=ref.thread_id or ref.message_id)
        if key:
            self.lines[key] = line
        return line

    async def find_in_thread(self, ref: MessageRef, key: str) -> MessageRef | None:
        line = self.lines.get(key)  # only lines of this process: the console keeps no history
        if line is None or (line.channel, line.thread_id) != (ref.channel, ref.thread_id or ref.message_id):
            return None
        return line

    async def post_message(self, channel: str, text: str, key: str | None = None, people: tuple[str, ...] = ()) -> MessageRef:
        ref = MessageRef("console", channel, str(next(self._ids)))
        body = text + ("".join(f" @{p}" for p in people))
        self.messages[ref.message_id] = (ref, body)
        if key:
            self.message_keys[key] = ref
        self.console.print(Text(f"{channel} › {body}", style="bold yellow"))
        return ref

    async def find_message(self, channel: str, key: str) -> MessageRef | None:
        ref = self.message_keys.get(key)
        return ref if ref is not None and ref.channel == channel else None

    async def update_message(self, ref: MessageRef, text: str) -> None:
        self.messages[ref.message_id] = (ref, text)
        self.console.print(Text(f"↻ {ref.channel} › {text}", style="yellow"))

    async def post_file(self, channel: str, data: bytes, filename: str, title: str, text: str = "",
                        thread: MessageRef | None = None) -> MessageRef:
        if self.files_dir is None:
            self.files_dir = Path(tempfile.mkdtemp(prefix="rejoinder-files-"))
        self.files_dir.mkdir(parents=True, exist_ok=True)
        ref = MessageRef("console", channel, str(next(self._ids)), thread_id=thread.message_id if thread else None)
        path = self.files_dir / f"{len(self.files) + 1:03d}-{Path(filename).name}"
        path.write_bytes(data)
        self.files.append((channel, path, title))
        self.console.print(Text(f"{channel} › [{title}] {path}" + (f" {text}" if text else ""), style="yellow"))
        return ref

    async def tell(self, user: ChatUser, channel: str | None, text: str) -> None:
        self.console.print(Text(f"[to {user.name}] {text}", style="magenta"))

    def _case_of(self, ref: MessageRef) -> str:
        return next((str(case) for case, r in self.cards.items() if r.message_id == ref.message_id), "?")

    def user(self, user_id: str) -> ChatUser:
        return ChatUser(id=user_id, name=display_name(user_id), platform="console")

    async def handle_line(self, line: str, user: ChatUser) -> ChatUser | None:
        """Run one typed line; returns the person to act as next (None to quit)."""
        assert self.handlers is not None, "start() first"
        words = line.strip().split(maxsplit=1)
        if not words:
            return user
        verb, rest = words[0].lower(), (words[1] if len(words) > 1 else "")
        if verb in ("quit", "exit"):
            return None
        if verb == "as":
            who = shlex.split(rest)[0] if rest else user.id
            self.console.print(f"Now acting as {display_name(who)}.")
            return self.user(who)
        if verb == "say":
            case_text = rest.split(maxsplit=1)
            ref = self.cards.get(int(case_text[0].lstrip("#"))) if case_text and case_text[0].lstrip("#").isdigit() else None
            if ref is None or len(case_text) < 2:
                self.console.print("Usage: say <case> <text> (the case must have a card here)")
                return user
            message = MessageRef("console", ref.channel, str(next(self._ids)), thread_id=ref.message_id)
            await self.handlers.on_thread_message(message, user, case_text[1])
            self.console.print(Text(f"  ↳ {user.name} (internal note): {case_text[1]}", style="cyan"))
            return user
        # The person an assignment names, known here by name as every console user is.
        named = (self.user(rest.split()[-1].lstrip("@")),) if verb == "assign" and rest.split() else ()
        result = await self.handlers.on_command(Command(verb, rest, user, people=named))
        self.console.print(Text(result.text, style="green" if result.ok else "bold red"))
        return user

    async def repl(self, user: ChatUser, read: Callable[[str], str] = input, after: Callable | None = None) -> None:
        self.console.print(HELP)
        current: ChatUser | None = user
        while current is not None:
            try:
                line = await asyncio.to_thread(read, f"{current.name}> ")
            except EOFError:
                break
            current = await self.handle_line(line, current)
            if after is not None:
                await after()
