"""Builds the configured sources and publishers. Each network's integration
is imported only when a source of its type is configured."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import sources as cfg
from bot.config.workspace import Workspace
from bot.intake.arrivals import Arrivals
from bot.intake.pipeline import load_cursor, save_cursor
from bot.ports import Publisher, Source
from bot.app.settings import Settings
from bot.store.db import Database

log = logging.getLogger(__name__)
Built = tuple[Source | list[Source], dict[str, Publisher]]


class SavedSessions:
    """Keeps an account's session string between runs, in the cursors table under
    a reserved name (`session:<network>:<account>`), so a restart resumes the
    session instead of logging in. The value is a credential: never log it."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db, self.clock = db, clock or SystemClock()

    @staticmethod
    def key(network: str, account: str) -> str:
        account = account.lstrip("@").lower()
        key = f"session:{network}:{account}"
        return key if len(key) <= 100 else f"session:{network}:sha256:{hashlib.sha256(account.encode()).hexdigest()}"

    def hooks(self, network: str, account: str) -> dict[str, Any]:
        """`load` and `save` for one account, as an integration's session takes them."""
        key = self.key(network, account)

        async def load() -> str | None:
            return await load_cursor(self.db, key)

        async def save(value: str) -> None:
            async with self.db.transaction() as s:
                await save_cursor(s, key, value, self.clock)
        return {"load": load, "save": save}


@dataclass
class Shared:
    """What the builders of one `build_sources` call share: one session per account."""
    saved: SavedSessions | None = None
    sessions: dict[tuple[str, ...], Any] = field(default_factory=dict)


def _secret(settings: Settings, var: str | None) -> str | None:
    value = settings.env_secret(var) if var else None
    return value.get_secret_value() if value else None


def _replay(c: cfg.ReplaySource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.replay import ReplayPublisher, ReplaySource

    source = ReplaySource(c.name, base / c.path, on_error=lambda msg: log.error("%s", msg))
    return source, {"*": ReplayPublisher(base / c.output)}


def _bluesky(c: cfg.BlueskySource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.bluesky.network import BlueskyPublisher, BlueskySource
    from integrations.social.bluesky.jetstream import BlueskyJetstreamSource

    kind, stream = (BlueskyJetstreamSource, c.jetstream_url) if c.jetstream_url else (BlueskySource, c.firehose_url)
    sources: list[Source] = [kind(c.name, c.service_url, stream, c.watch_terms, c.watch_handles, c.brand_did,
                                  plc_url=c.plc_url, appview_url=c.appview_url)]
    handle, password = _secret(settings, c.handle_env), _secret(settings, c.password_env)
    if not (handle and password):
        return sources, {}
    # The publisher and the notifications source act as the same account: one session for both.
    key = ("bluesky", c.service_url.rstrip("/"), handle.lstrip("@").lower())
    session = shared.sessions.get(key)
    if session is None:
        from integrations.social.bluesky.session import BrandSession

        hooks = shared.saved.hooks("bluesky", handle) if shared.saved else {}
        session = shared.sessions[key] = BrandSession(c.service_url, handle, password, **hooks)
    if c.notifications:
        from integrations.social.bluesky.notifications import BlueskyMentionsSource

        # Its own name: cursors are kept per source. The pipeline dedupes posts both sources see.
        sources.append(BlueskyMentionsSource(f"{c.name}-notifications", c.service_url, handle, password,
                                             appview_url=c.appview_url, appview_did=c.appview_did,
                                             poll_interval=c.notifications_poll_interval, session=session))
    return sources, {"bluesky": BlueskyPublisher(c.service_url, handle, password, session=session)}


def _reddit(c: cfg.RedditSource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.reddit.network import RedditPublisher, RedditSource

    client_id, client_secret = _secret(settings, c.client_id_env), _secret(settings, c.client_secret_env)
    username, password = _secret(settings, c.username_env), _secret(settings, c.password_env)
    source = RedditSource(c.name, client_id, client_secret, c.user_agent, c.subreddits, c.keywords,
                          username=username, password=password, poll_interval=c.poll_interval, base_url=c.base_url,
                          on_error=lambda msg: log.error("%s", msg))
    publishers = {}
    if username and password:
        publishers["reddit"] = RedditPublisher(client_id, client_secret, c.user_agent, username, password,
                                               base_url=c.base_url)
    return source, publishers


def _rss(c: cfg.RssSource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.rss.source import RssSource

    return RssSource(c.name, c.url, network=c.network, keywords=c.keywords or None, poll_interval=c.poll_interval,
                     on_error=lambda msg: log.error("%s", msg)), {}


def _webhook(c: cfg.WebhookSource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.webhook.source import WebhookSource

    # With the database, a 202 means the mentions are in it (see bot/intake/arrivals.py).
    store = Arrivals(shared.saved.db, c.name, shared.saved.clock) if shared.saved else None
    return WebhookSource(c.name, _secret(settings, c.secret_env), network=c.network, host=c.host, port=c.port,
                         path=c.path, max_bytes=c.max_bytes, tolerance_s=c.tolerance_s, store=store), {}


def _mastodon(c: cfg.MastodonSource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.mastodon.network import MastodonPublisher, MastodonSource

    token = _secret(settings, c.access_token_env)
    source = MastodonSource(c.name, c.api_base_url, token, c.hashtags, c.watch_terms, c.brand_account,
                            poll_interval=c.poll_interval)
    return source, {"mastodon": MastodonPublisher(c.api_base_url, token)}


def _x(c: cfg.XSource, settings: Settings, base: Path, shared: Shared) -> Built:
    from integrations.social.x.network import XPublisher, XSource

    source = XSource(c.name, _secret(settings, c.bearer_token_env), c.brand_user_id, c.rules,
                     api_base_url=c.api_base_url, poll_interval=c.poll_interval)
    keys = [_secret(settings, v) for v in (c.consumer_key_env, c.consumer_secret_env, c.access_token_env,
                                          c.access_token_secret_env)]
    return source, ({"x": XPublisher(*keys, api_base_url=c.api_base_url)} if all(keys) else {})


BUILDERS = {"replay": _replay, "bluesky": _bluesky, "reddit": _reddit, "rss": _rss, "webhook": _webhook,
            "mastodon": _mastodon, "x": _x}


def build_sources(ws: Workspace, settings: Settings, base_dir: Path, db: Database | None = None,
                  clock: Clock | None = None) -> tuple[list[Source], dict[str, Publisher]]:
    """With `db`, account sessions are kept between runs (see SavedSessions)."""
    sources: list[Source] = []
    publishers: dict[str, Publisher] = {}
    shared = Shared(SavedSessions(db, clock) if db is not None else None)
    for entry in ws.sources:
        built, made = BUILDERS[entry.type](entry, settings, base_dir, shared)
        sources.extend(built if isinstance(built, list) else [built])
        for network, publisher in made.items():
            publishers.setdefault(network, publisher)
    return sources, publishers
