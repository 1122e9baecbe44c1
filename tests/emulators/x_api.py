"""A local X API v2 for tests, on 127.0.0.1: users (me, by id, mentions,
tweets), tweet lookup, create and delete, recent search, filtered stream
rules and the filtered stream itself (newline-delimited JSON with keep-alive
newlines), with scripted failures (429 + x-rate-limit-reset, 503).

App-only calls need the bearer token; user calls a valid OAuth 1.0a
signature, checked as X checks it (over the api.twitter.com URL the client
signed). People post through tweepy with their own tokens (`add_user`).
The endpoints are in `x_api_routes`.
"""
from __future__ import annotations

import itertools
import json
import math
import secrets
import time
from datetime import datetime, timezone

from aiohttp import web
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from tests.emulators.scripted import Failure, ScriptedServer
from tests.emulators.x_api_render import matches, render
from tests.emulators.x_api_routes import XRoutes

X_HOST = "https://api.twitter.com"


class XEmulator(XRoutes, ScriptedServer):
    keep_alive = b"\r\n"  # X's keep-alive line

    def __init__(self, heartbeat: float = 20.0) -> None:
        super().__init__()
        self.heartbeat = heartbeat
        self.bearer_token, self.consumer_key, self.consumer_secret = "app-bearer", "ck-test", "cs-test"
        self.users: dict[str, dict] = {}
        self.user_tokens: dict[str, tuple[str, str]] = {}  # access token -> (user id, token secret)
        self.tweets: dict[str, dict] = {}
        self.rules: dict[str, dict] = {}
        self._ids = itertools.count(9_999_999_990)  # ids gain a digit soon: numbers, not text

    def add_user(self, username: str, name: str = "", followers: int = 0,
                 verified: bool = False) -> tuple[dict, str, str]:
        """A user and its OAuth access token and secret."""
        user_id = str(next(self._ids))
        self.users[user_id] = {"id": user_id, "username": username, "name": name or username.title(),
                               "verified": verified, "public_metrics": {"followers_count": followers,
                                                                        "following_count": 0, "tweet_count": 0}}
        token, secret = f"{user_id}-{secrets.token_hex(6)}", secrets.token_hex(10)
        self.user_tokens[token] = (user_id, secret)
        return self.users[user_id], token, secret

    def make_tweet(self, author: dict, text: str, reply_to: str | None = None, lang: str = "en",
                   retweet_of: str | None = None) -> dict:
        tweet_id = str(next(self._ids))
        parent = self.tweets.get(reply_to) if reply_to else None
        refs = ([{"type": "replied_to", "id": reply_to}] if reply_to else []) + (
            [{"type": "retweeted", "id": retweet_of}] if retweet_of else [])
        tweet = {"id": tweet_id, "text": text, "author_id": author["id"], "edit_history_tweet_ids": [tweet_id],
                 "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": lang,
                 "conversation_id": parent["conversation_id"] if parent else tweet_id,
                 "in_reply_to_user_id": parent["author_id"] if parent else None,
                 "referenced_tweets": refs or None}
        self.tweets[tweet_id] = tweet
        self._fan_out(tweet)
        return tweet

    async def post(self, author: dict, text: str, **kwargs) -> dict:
        tweet = self.make_tweet(author, text, **kwargs)
        await self._notify()
        return tweet

    async def edit(self, tweet: dict, text: str) -> dict:
        """Edit as X does (the API itself cannot): a new version with its own
        id; every version's `edit_history_tweet_ids` lists the chain, oldest
        first; timelines and search show only the latest version; the stream
        delivers it as a new tweet. Replies to other people cannot be edited."""
        if tweet["in_reply_to_user_id"] not in (None, tweet["author_id"]):
            raise ValueError("X does not let a reply to someone else be edited")
        chain = self.tweets[tweet["id"]]["edit_history_tweet_ids"]
        version = {**self.tweets[chain[-1]], "id": str(next(self._ids)), "text": text,
                   "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        chain = version["edit_history_tweet_ids"] = [*chain, version["id"]]
        for old in chain[:-1]:
            self.tweets[old]["edit_history_tweet_ids"] = chain
        self.tweets[version["id"]] = version
        self._fan_out(version)
        await self._notify()
        return version

    def current(self) -> list[dict]:
        """The latest version of every tweet."""
        return [t for t in self.tweets.values() if t["edit_history_tweet_ids"][-1] == t["id"]]

    def _fan_out(self, tweet: dict) -> None:
        """Send the tweet on every open filtered stream if a rule matches it."""
        author = self.users[tweet["author_id"]]
        hits = [{"id": r["id"], "tag": r["tag"]} for r in self.rules.values() if matches(r["value"], tweet, author)]
        for stream in self.live_streams() if hits else []:
            body = render([tweet], self.users, stream.query)
            line = {"data": body["data"][0], **({"includes": body["includes"]} if "includes" in body else {}),
                    "matching_rules": hits}
            stream.queue.put_nowait(json.dumps(line) + "\r\n")

    def mentions_of(self, user_id: str) -> list[dict]:
        handle = "@" + self.users[user_id]["username"].lower()
        return [t for t in self.current() if any(w.rstrip(".,!?:;").lower() == handle for w in t["text"].split())]

    @staticmethod
    def failed(failure: Failure) -> web.Response:
        if failure.status != 429:
            return web.json_response({"title": "Service Unavailable", "detail": "Service Unavailable",
                                      "type": "about:blank", "status": failure.status}, status=failure.status)
        reset = math.ceil(time.time() + failure.reset_in)  # X gives whole epoch seconds
        return web.json_response({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                  "status": 429}, status=429, headers={
            "x-rate-limit-limit": "15", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})

    def oauth_user(self, request: web.Request) -> str | None:
        """The user whose OAuth 1.0a signature this request carries, if it is valid."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            return None
        oauth = dict(signature.collect_parameters(headers={"Authorization": auth}, exclude_oauth_signature=False))
        user_id, secret = self.user_tokens.get(oauth.get("oauth_token", ""), (None, None))
        if user_id is None or oauth.get("oauth_consumer_key") != self.consumer_key:
            return None
        signed = OAuthRequest(X_HOST + request.raw_path, request.method, headers={"Authorization": auth})
        signed.params = signature.collect_parameters(uri_query=request.rel_url.raw_query_string,
                                                     headers={"Authorization": auth})
        signed.signature = oauth.get("oauth_signature", "")
        return user_id if signature.verify_hmac_sha1(signed, self.consumer_secret, secret) else None
