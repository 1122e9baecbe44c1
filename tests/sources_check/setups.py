"""Source entries for a test workspace, each with the environment holding its
secrets, and `check()`: `rejoinder sources check` through typer's runner."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from click.testing import Result
from typer.testing import CliRunner

from bot.app.cli import app

AGENT = "python:rejoinder-tests:0.1 (by /u/acme_support)"
MENTION = {"network": "replay", "external_id": "m-1", "author": {"handle": "@maria"},
           "text": "my tandem's chain slipped", "created_at": "2024-06-01T09:30:00Z"}


@dataclass
class Setup:
    folder: Path
    sources: list[dict] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset

    def add(self, entry: dict, **env: str) -> Setup:
        self.sources.append(entry)
        self.env.update(env)
        return self

    def replay(self, name: str = "demo") -> Setup:
        (self.folder / "feed.jsonl").write_text(json.dumps(MENTION) + "\n", encoding="utf-8")
        return self.add({"type": "replay", "name": name, "path": "feed.jsonl", "output": "replies.jsonl"})

    def webhook(self, port: int = 0, secret: str = "whsec-9c41d2a7e5") -> Setup:
        return self.add({"type": "webhook", "name": "hooks", "secret_env": "HOOK_SECRET", "port": port},
                        HOOK_SECRET=secret)

    def rss(self, url: str) -> Setup:
        return self.add({"type": "rss", "name": "forum", "url": url})

    def mastodon(self, url: str, token: str, hashtags=("tandembikes",)) -> Setup:
        return self.add({"type": "mastodon", "name": "masto", "api_base_url": url, "hashtags": list(hashtags),
                         "brand_account": "tandem", "access_token_env": "MASTODON_TOKEN"}, MASTODON_TOKEN=token)

    def reddit(self, url: str, client_secret: str = "test-secret", password: str = "hunter2",
               subreddits=("acme", "ebikes")) -> Setup:
        return self.add({"type": "reddit", "name": "reddit", "subreddits": list(subreddits), "user_agent": AGENT,
                         "base_url": url, "client_id_env": "REDDIT_CLIENT_ID",
                         "client_secret_env": "REDDIT_CLIENT_SECRET", "username_env": "REDDIT_USERNAME",
                         "password_env": "REDDIT_PASSWORD"},
                        REDDIT_CLIENT_ID="test-client", REDDIT_CLIENT_SECRET=client_secret,
                        REDDIT_USERNAME="acme_support", REDDIT_PASSWORD=password)

    def x(self, url: str, brand_id: str, bearer: str, keys: tuple[str, str, str, str]) -> Setup:
        names = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_SECRET")
        return self.add({"type": "x", "name": "x", "brand_user_id": brand_id, "rules": ["tandem bikes"],
                         "api_base_url": url, "bearer_token_env": "X_BEARER", "consumer_key_env": names[0],
                         "consumer_secret_env": names[1], "access_token_env": names[2],
                         "access_token_secret_env": names[3]}, X_BEARER=bearer, **dict(zip(names, keys)))

    def bluesky(self, network, handle: str, password: str, watch=("maria.test",), name: str = "bsky",
                **changes: str) -> Setup:
        entry = {"type": "bluesky", "name": name, "service_url": network.pds_url,
                 "firehose_url": network.firehose_url, "plc_url": network.plc_url, "watch_terms": ["tandem"],
                 "watch_handles": list(watch), "handle_env": "BSKY_HANDLE", "password_env": "BSKY_PASSWORD",
                 **changes}
        return self.add(entry, BSKY_HANDLE=handle, BSKY_PASSWORD=password)

    def write(self) -> Path:
        path = self.folder / "rejoinder.yaml"
        workspace = {"teams": [{"name": "support", "channel": "help"}], "sources": self.sources}
        path.write_text(yaml.safe_dump(workspace, sort_keys=False), encoding="utf-8")
        return path


async def check(setup: Setup) -> Result:
    """Run the command in a worker thread: it runs its own event loop, while the
    local servers keep answering on this one."""
    path = setup.write()
    return await asyncio.to_thread(CliRunner().invoke, app, ["sources", "check", "--config", str(path)],
                                   env=setup.env)


def lines(result: Result) -> dict[str, str]:
    """"demo (replay source)" -> "✓ feed ... readable" for each printed line."""
    out = {}
    for line in result.output.splitlines():
        mark, _, rest = line.partition(" ")
        label, _, text = rest.partition("): ")
        out[label + ")"] = f"{mark} {text}"
    return out
