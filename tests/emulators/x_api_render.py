"""How the local X API matches and shows tweets: the small subset of the rule
and search language Rejoinder's tests use, field selection as the v2 API
does it (only the fields asked for), and id pagination with next_token."""
from __future__ import annotations

import re

_TOKEN = re.compile(r'-?"[^"]*"|\S+')


def _term_matches(term: str, tweet: dict, author: dict) -> bool:
    lowered = tweet["text"].lower()
    if term.startswith('"'):
        return term.strip('"').lower() in lowered
    if term == "is:retweet":
        return any(r["type"] == "retweeted" for r in tweet.get("referenced_tweets") or [])
    if term == "is:reply":
        return any(r["type"] == "replied_to" for r in tweet.get("referenced_tweets") or [])
    if term.startswith("from:"):
        return author["username"].lower() == term[5:].lower()
    if term.startswith("lang:"):
        return tweet.get("lang") == term[5:]
    return re.search(r"(?<![\w@#])" + re.escape(term.lower()) + r"(?!\w)", lowered) is not None


def matches(query: str, tweet: dict, author: dict) -> bool:
    """`a b` (all), `-a` (not), `"a phrase"`, `from:`, `lang:`, `is:retweet`,
    and top-level `(...) OR (...)` groups."""
    for group in re.split(r"\s+OR\s+", query.strip()):
        terms = _TOKEN.findall(group.strip().removeprefix("(").removesuffix(")"))
        if terms and all(_term_matches(t[1:], tweet, author) is False if t.startswith("-")
                          else _term_matches(t, tweet, author) for t in terms):
            return True
    return False


DEFAULT_TWEET = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER = ("id", "name", "username")


def _fields(query, name: str) -> set[str]:
    return {f for f in (query.get(name) or "").split(",") if f}


def render(tweets: list[dict], users: dict[str, dict], query) -> dict:
    """`{"data": [...], "includes": {"users": [...]}}` with only the asked-for fields."""
    tweet_fields = set(DEFAULT_TWEET) | _fields(query, "tweet.fields")
    user_fields = set(DEFAULT_USER) | _fields(query, "user.fields")
    body: dict = {"data": [{k: v for k, v in t.items() if k in tweet_fields and v is not None} for t in tweets]}
    if "author_id" in _fields(query, "expansions"):
        authors = dict.fromkeys(t["author_id"] for t in tweets)
        body["includes"] = {"users": [{k: v for k, v in users[a].items() if k in user_fields} for a in authors]}
    return body


def page(tweets: list[dict], users: dict[str, dict], query, token_name: str, low: int = 5) -> tuple[int, dict]:
    """Newest first, `since_id`/`until_id`, `max_results` and an opaque token."""
    try:
        size = int(query.get("max_results") or 10)
    except ValueError:
        size = 0
    if not low <= size <= 100:
        return 400, {"errors": [{"message": f"max_results must be between {low} and 100"}],
                     "title": "Invalid Request", "detail": "One or more parameters to your request was invalid."}
    chosen = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
    if query.get("since_id"):
        chosen = [t for t in chosen if int(t["id"]) > int(query["since_id"])]
    if query.get("until_id"):
        chosen = [t for t in chosen if int(t["id"]) < int(query["until_id"])]
    token = query.get(token_name)
    if token:
        chosen = [t for t in chosen if int(t["id"]) < int(token.removeprefix("p"))]
    shown = chosen[:size]
    if not shown:
        return 200, {"meta": {"result_count": 0}}
    body = render(shown, users, query)
    body["meta"] = {"result_count": len(shown), "newest_id": shown[0]["id"], "oldest_id": shown[-1]["id"]}
    if len(chosen) > size:
        body["meta"]["next_token"] = "p" + shown[-1]["id"]
    return 200, body
