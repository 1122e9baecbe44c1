"""The ports the core talks through. Integrations implement them; the core
and the skills import nothing vendor-specific."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.types import (
    Card,
    ChatUser,
    CommandResult,
    CrmContact,
    CrmProfile,
    DraftRequest,
    DraftResult,
    HomeView,
    Mention,
    MessageRef,
    PostedReply,
)


@dataclass(frozen=True, slots=True)  # slots: one is made per post read
class SourceItem:
    """A mention plus the cursor to save once it is stored (None: no cursor).

    `deleted_id`: the network reported this post deleted (`mention` is None).
    `edited`: `mention` is a new version of a post that may have been
    reported already. It keeps the original post's (network, external_id),
    so the core updates the stored mention's text (or, for a post it never
    stored, takes it as a new mention); `reply_ref` says where a reply now goes.
    `json`: the JSON text `mention` was validated from, when the source read
    it so: it goes on the bus as it is instead of being serialised again."""

    mention: Mention | None
    cursor: str | None = None
    deleted_id: str | None = None
    edited: bool = False
    json: str | None = None


@runtime_checkable
class Source(Protocol):
    name: str
    network: str

    def items(self, cursor: str | None) -> AsyncIterator[SourceItem]:
        """Yield mentions from `cursor` on; runs until closed or the feed ends."""
        ...


class SourceCheckFailed(Exception):
    """A source's or publisher's `check()` found a problem. The message says
    what failed and what to do, in plain words, and never holds a secret value.
    `credentials` names the settings involved (e.g. "access_token"), so the
    caller can point at the environment variable they come from."""

    def __init__(self, message: str, credentials: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.credentials = tuple(credentials)


class TokenRefused(Exception):
    """A platform refused a credential at start-up (revoked, wrong, of the wrong
    kind). `variable` names the setting it came from, e.g. SLACK_APP_TOKEN; the
    message says what to do and never holds the value."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable, self.message = variable, message


class PublishUncertain(Exception):
    """The network may or may not have accepted the post (timeout, 5xx)."""


@runtime_checkable
class Publisher(Protocol):
    network: str
    length_limit: int

    async def reply(self, target: Mention, text: str, idempotency_key: str) -> PostedReply: ...

    async def find_reply(self, target: Mention, idempotency_key: str) -> PostedReply | None:
        """Look on the network for a reply already made with this key (after an
        uncertain attempt), so a retry never posts twice."""
        ...

    # Optional (the core reads it with getattr; a publisher without it has no
    # opinion): `def text_limit(self, author_handle: str | None) -> int | None`,
    # how long a reply's own text may be for that author once connected, after
    # anything the publisher adds to it (Mastodon's "@author "). None: no opinion.


@dataclass(frozen=True)
class Command:
    """A typed command or a button click: one path for both."""

    name: str
    args: str
    user: ChatUser
    case_id: int | None = None
    channel: str | None = None
    ref: MessageRef | None = None  # the card or thread it came from
    # People the command names (an assignee), resolved by the platform it came
    # from, so the core can name them without asking it.
    people: tuple[ChatUser, ...] = ()


@dataclass(frozen=True)
class ChatInput:
    """A click, command or message as the platform delivered it, kept in the
    chat inbox before the platform is acknowledged. `key` is the platform's
    own id for it (redeliveries carry the same key); `kind` and `payload` are
    what the platform needs to handle it later (see ChatPlatform.handle_input).
    Inputs of one `lane` (the person who sent them) are handled in order."""

    platform: str
    key: str
    kind: str
    payload: dict
    lane: str = ""


@dataclass(frozen=True)
class ChatHandlers:
    """What the core offers a chat platform. Every callback checks roles itself:
    a button click is a request, not proof of permission."""

    on_command: Callable[[Command], Awaitable[CommandResult]]
    # A human message in a case's thread: stored as an internal note, never published.
    on_thread_message: Callable[[MessageRef, ChatUser, str], Awaitable[None]]
    card: Callable[[int, ChatUser], Awaitable[Card | None]]  # redacted for partners
    home: Callable[[ChatUser], Awaitable[HomeView]]
    # Writes input to the chat inbox before the ack: True if new, False for a
    # redelivery. The inbox later calls the platform's `handle_input(ChatInput)`.
    record_input: Callable[[ChatInput], Awaitable[bool]] | None = None


@runtime_checkable
class ChatPlatform(Protocol):
    name: str

    async def start(self, handlers: ChatHandlers) -> None: ...

    async def stop(self) -> None: ...

    async def post_card(self, channel: str, card: Card) -> MessageRef: ...

    async def find_card(self, channel: str, case_id: int) -> MessageRef | None:
        """The case's card if an earlier post whose answer was lost (or cut
        short by a crash) did reach the channel; None if not, or if the
        platform cannot tell."""
        ...

    async def update_card(self, ref: MessageRef, card: Card) -> None: ...

    async def post_in_thread(self, ref: MessageRef, text: str, key: str | None = None) -> MessageRef:
        """A line in the thread under `ref`; `key`, when given, is kept with
        the message so find_in_thread can find it again."""
        ...

    async def find_in_thread(self, ref: MessageRef, key: str) -> MessageRef | None:
        """The line posted with `key` under `ref` if an earlier post whose
        answer was lost did reach the thread; None if not, or if the platform
        cannot tell."""
        ...

    async def tell(self, user: ChatUser, channel: str | None, text: str) -> None:
        """A message only `user` sees (ephemeral where the platform has it)."""
        ...

    # Optional (the core reads them with getattr; alerts and reports are
    # skipped, with a log line, on a platform without them):
    # `async def post_message(self, channel, text, key=None, people=()) -> MessageRef`,
    #   a message of its own in a channel (SLA and spike alerts); `people` are
    #   user ids to mention; `key` as in post_in_thread;
    # `async def find_message(self, channel, key) -> MessageRef | None`;
    # `async def update_message(self, ref, text) -> None`, edit it in place;
    # `async def post_file(self, channel, data: bytes, filename, title, text="",
    #   thread: MessageRef | None = None) -> MessageRef`, an image or a file
    #   (charts, reports), in the channel or under `thread`.
    # Optional (read with getattr): `async def handle_input(self, item: ChatInput) -> None`,
    # handling what the platform wrote with `handlers.record_input` before its ack.


@runtime_checkable
class Drafter(Protocol):
    name: str

    async def draft(self, request: DraftRequest) -> DraftResult: ...


@dataclass(frozen=True, slots=True)  # slots: one is made per mention read off the bus
class Delivery:
    topic: str
    payload: dict
    ack: Callable[[], Awaitable[None]]


@runtime_checkable
class Bus(Protocol):
    async def publish(self, topic: str, payload: dict) -> None: ...

    def consume(self, topic: str, group: str) -> AsyncIterator[Delivery]: ...

    def consume_batches(self, topic: str, group: str, max_items: int = 500) -> AsyncIterator[list[Delivery]]:
        """Whatever is waiting, up to `max_items`, as one list (waits for at least one)."""
        ...

    async def close(self) -> None: ...


class CrmUnavailable(Exception):
    """The system of record did not answer, refused for now (rate limit, quota)
    or answered 5xx. `retry_after`: seconds it asked us to wait, if it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Interaction:
    """One thing that happened with a customer, written to their record once.
    `key` is stored on the record so a retry can find an earlier write."""

    key: str
    event: str  # mention | reply | resolution | escalation
    case_id: int
    network: str
    handle: str
    text: str
    at: str  # ISO 8601
    url: str | None = None
    actor: str | None = None
    route: str | None = None


@runtime_checkable
class CustomerDirectory(Protocol):
    """Who a customer is and what the company knows about them: the built-in
    directory, HubSpot or Salesforce. Every method may raise CrmUnavailable."""

    name: str

    async def find_contact(self, *, network: str | None = None, handle: str | None = None,
                           email: str | None = None) -> CrmContact | None: ...

    async def suggest(self, name: str, emails: list[str]) -> list[CrmContact]:
        """Likely matches (same name, or an email seen in the conversation)."""
        ...

    async def profile(self, contact: CrmContact) -> CrmProfile: ...

    async def find_interaction(self, key: str, contact: CrmContact | None = None) -> str | None:
        """The id of an engagement written earlier with `key`, if any (`contact`:
        whose record it would be on, where the CRM must look there)."""
        ...

    async def log_interaction(self, contact: CrmContact, interaction: Interaction) -> str:
        """Write the engagement (associated with the contact's company); returns its id."""
        ...

    async def open_ticket(self, contact: CrmContact, key: str, subject: str, body: str) -> str: ...

    async def find_ticket(self, key: str, contact: CrmContact | None = None) -> str | None: ...

    async def close_ticket(self, ticket_id: str) -> None: ...

    async def check(self) -> list[str]:
        """Problems with credentials, scopes or configured fields, in plain words (empty: all well)."""
        ...
