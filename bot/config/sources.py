"""Source entries of the workspace file: where mentions come from. Secrets
are never here: each source names the environment variables that hold them."""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, model_validator

from bot.types import NETWORK_PATTERN


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")


def _source_name(value: str) -> str:
    # The name keys the source's saved cursor; ":" stays free for reserved keys (saved sessions).
    if not _NAME.fullmatch(value):
        raise ValueError("a source name is 1 to 60 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


SourceName = Annotated[str, AfterValidator(_source_name)]


class ReplaySource(Strict):
    type: Literal["replay"]
    name: SourceName
    path: str  # JSONL of mentions, relative to the workspace file
    output: str = "replies.jsonl"  # where published replies are written


class WebhookSource(Strict):
    """A signed HTTP endpoint for listening tools (docs/webhook.md)."""

    type: Literal["webhook"]
    name: SourceName
    network: str = Field(default="webhook", pattern=NETWORK_PATTERN)
    secret_env: str
    path: str = "/hooks/mentions"
    host: str = "127.0.0.1"
    port: int = Field(default=8088, ge=0, le=65535)
    max_bytes: int = Field(default=256 * 1024, ge=1024)
    tolerance_s: int = Field(default=300, ge=10)


class RedditSource(Strict):
    """New submissions and comments in subreddits, kept by keyword."""

    type: Literal["reddit"]
    name: SourceName
    subreddits: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)  # empty: keep everything
    user_agent: str = Field(min_length=8)  # Reddit wants a descriptive one
    poll_interval: float = Field(default=30.0, ge=1)
    base_url: str | None = None
    client_id_env: str
    client_secret_env: str
    username_env: str | None = None  # with password_env: also reply as the brand account
    password_env: str | None = None


class RssSource(Strict):
    """An RSS or Atom feed (review sites, forums, alerts); listen only."""

    type: Literal["rss"]
    name: SourceName
    url: str
    network: str = Field(default="rss", pattern=NETWORK_PATTERN)
    keywords: list[str] = Field(default_factory=list)
    poll_interval: float = Field(default=300.0, ge=5)


class BlueskySource(Strict):
    """Watches the repo firehose (or a relay), or a Jetstream instance, for posts
    with the watched terms, handles or mentions of the brand, and replies as the
    brand account."""

    type: Literal["bluesky"]
    name: SourceName
    service_url: str = "https://bsky.social"  # the brand account's PDS
    firehose_url: str | None = None  # e.g. wss://bsky.network/xrpc; default: the service's own
    # e.g. wss://jetstream2.us-east.bsky.network/subscribe: JSON, posts only, far lighter than the firehose.
    jetstream_url: str | None = None
    plc_url: str = "https://plc.directory"
    watch_terms: list[str] = Field(default_factory=list)
    watch_handles: list[str] = Field(default_factory=list)
    brand_did: str | None = None
    handle_env: str | None = None  # environment variables holding the brand login; no login: listen only
    password_env: str | None = None
    # Also poll listNotifications for direct mentions, replies and quotes (needs an AppView and the login).
    notifications: bool = False
    # e.g. https://api.bsky.app: follower counts for firehose posts, and the notifications' AppView.
    # Unset: firehose mentions carry no reach, notifications go to the PDS's own AppView.
    appview_url: str | None = None
    appview_did: str | None = None  # e.g. did:web:api.bsky.app; wins over appview_url
    notifications_poll_interval: float = Field(default=15.0, gt=0)

    @model_validator(mode="after")
    def _login_for_notifications(self) -> "BlueskySource":
        if self.notifications and not (self.handle_env and self.password_env):
            raise ValueError("notifications: true needs handle_env and password_env (the brand account's login)")
        return self

    @model_validator(mode="after")
    def _one_stream(self) -> "BlueskySource":
        if self.firehose_url and self.jetstream_url:
            raise ValueError("set firehose_url or jetstream_url, not both: the source listens to one stream")
        return self


class MastodonSource(Strict):
    """Mentions (notifications) and hashtags, streamed with a polling fallback."""

    type: Literal["mastodon"]
    name: SourceName
    api_base_url: str
    access_token_env: str  # read + write:statuses; one token listens and replies
    hashtags: list[str] = Field(default_factory=list)
    watch_terms: list[str] = Field(default_factory=list)
    brand_account: str | None = None
    poll_interval: float = Field(default=30.0, ge=1)


class XSource(Strict):
    """Filtered-stream rules plus mentions-timeline polling (API v2)."""

    type: Literal["x"]
    name: SourceName
    brand_user_id: str
    rules: list[str] = Field(default_factory=list)
    api_base_url: str | None = None
    poll_interval: float = Field(default=60.0, ge=1)
    bearer_token_env: str
    # The four OAuth 1.0a values to reply as the brand; none of them: listen only.
    consumer_key_env: str | None = None
    consumer_secret_env: str | None = None
    access_token_env: str | None = None
    access_token_secret_env: str | None = None


SourceConfig = Annotated[
    Union[ReplaySource, WebhookSource, BlueskySource, RedditSource, RssSource, MastodonSource, XSource],
    Discriminator("type"),
]
