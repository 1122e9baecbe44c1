"""Builds the configured sources and publishers. Each network's integration
is imported only when a source of its type is configured."""
from __future__ import annotations

import logging
from pathlib import Path

from bot.config import sources as cfg
from bot.config.workspace import Workspace
from bot.ports import Publisher, Source
from bot.settings import Settings

log = logging.getLogger(__name__)
Built = tuple[Source | list[Source], dict[str, Publisher]]


def _secret(settings: Settings, var: str | None) -> str | None:
    value = settings.env_secret(var) if var else None
    return value.get_secret_value() if value else None


def _replay(c: cfg.ReplaySource, settings: Settings, base: Path) -> Built:
    from integrations.social.replay import ReplayPublisher, ReplaySource

    source = ReplaySource(c.name, base / c.path, on_error=lambda msg: log.error("%s", msg))
    return source, {"*": ReplayPublisher(base / c.output)}


def _bluesky(c: cfg.BlueskySource, settings: Settings, base: Path) -> Built:
    from integrations.social.bluesky import BlueskyPublisher, BlueskySource

    sources: list[Source] = [BlueskySource(c.name, c.service_url, c.firehose_url, c.watch_terms, c.watch_handles,
                                           c.brand_did, plc_url=c.plc_url, appview_url=c.appview_url)]
    handle, password = _secret(settings, c.handle_env), _secret(settings, c.password_env)
    if c.notifications and handle and password:
        from integrations.social.bluesky_notifications import BlueskyMentionsSource

        # Its own name: cursors are kept per source. The pipeline dedupes posts both sources see.
        sources.append(BlueskyMentionsSource(f"{c.name}-notifications", c.service_url, handle, password,
                                             appview_url=c.appview_url, appview_did=c.appview_did,
                                             poll_interval=c.notifications_poll_interval))
    return sources, ({"bluesky": BlueskyPublisher(c.service_url, handle, password)} if handle and password else {})


def _reddit(c: cfg.RedditSource, settings: Settings, base: Path) -> Built:
    from integrations.social.reddit import RedditPublisher, RedditSource

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


def _rss(c: cfg.RssSource, settings: Settings, base: Path) -> Built:
    from integrations.social.rss import RssSource

    return RssSource(c.name, c.url, network=c.network, keywords=c.keywords or None, poll_interval=c.poll_interval,
                     on_error=lambda msg: log.error("%s", msg)), {}


def _webhook(c: cfg.WebhookSource, settings: Settings, base: Path) -> Built:
    from integrations.social.webhook import WebhookSource

    return WebhookSource(c.name, _secret(settings, c.secret_env), network=c.network, host=c.host, port=c.port,
                         path=c.path, max_bytes=c.max_bytes, tolerance_s=c.tolerance_s), {}


def _mastodon(c: cfg.MastodonSource, settings: Settings, base: Path) -> Built:
    from integrations.social.mastodon import MastodonPublisher, MastodonSource

    token = _secret(settings, c.access_token_env)
    source = MastodonSource(c.name, c.api_base_url, token, c.hashtags, c.watch_terms, c.brand_account,
                            poll_interval=c.poll_interval)
    return source, {"mastodon": MastodonPublisher(c.api_base_url, token)}


def _x(c: cfg.XSource, settings: Settings, base: Path) -> Built:
    from integrations.social.x import XPublisher, XSource

    source = XSource(c.name, _secret(settings, c.bearer_token_env), c.brand_user_id, c.rules,
                     api_base_url=c.api_base_url, poll_interval=c.poll_interval)
    keys = [_secret(settings, v) for v in (c.consumer_key_env, c.consumer_secret_env, c.access_token_env,
                                          c.access_token_secret_env)]
    return source, ({"x": XPublisher(*keys, api_base_url=c.api_base_url)} if all(keys) else {})


BUILDERS = {"replay": _replay, "bluesky": _bluesky, "reddit": _reddit, "rss": _rss, "webhook": _webhook,
            "mastodon": _mastodon, "x": _x}


def build_sources(ws: Workspace, settings: Settings, base_dir: Path) -> tuple[list[Source], dict[str, Publisher]]:
    sources: list[Source] = []
    publishers: dict[str, Publisher] = {}
    for entry in ws.sources:
        built, made = BUILDERS[entry.type](entry, settings, base_dir)
        sources.extend(built if isinstance(built, list) else [built])
        for network, publisher in made.items():
            publishers.setdefault(network, publisher)
    return sources, publishers
