"""The length rule with a `text_limit` hook: the connected publisher's own
limit for a reply to this author, when it is below the guidelines' limit."""
from __future__ import annotations

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails
from tests.guardrails.sample import only

PLATFORM = "(the most the connected Mastodon account can post in this reply)"


def instance(limit: int):
    """A Mastodon instance allowing `limit`, less "@author " for the reply's author."""
    asked = []

    def text_limit(network: str, author: str | None) -> int | None:
        asked.append((network, author))
        if network != "mastodon":
            return None
        return limit - (len(author.lstrip("@")) + 2 if author else 32)

    return text_limit, asked


def reasons(guard: Guardrails, text: str, network: str = "mastodon", author: str | None = "maria") -> list[str]:
    return [f.reason for f in only(guard.check(text, network, author_handle=author), "length")]


def test_a_lower_platform_limit_blocks_and_says_where_it_comes_from():
    hook, asked = instance(300)
    guard = Guardrails(Guidelines(), text_limit=hook)
    assert reasons(guard, "a" * 293) == []
    assert reasons(guard, "a" * 320) == [f"320/293 characters on Mastodon {PLATFORM}; shorten the reply by 27."]
    assert asked[-1] == ("mastodon", "maria")
    assert [f.severity for f in only(guard.check("a" * 320, "mastodon", author_handle="maria"), "length")] == ["block"]


def test_the_limit_depends_on_the_author():
    guard = Guardrails(Guidelines(), text_limit=instance(300)[0])
    assert guard.length_limit("mastodon", "maria") == 293
    assert guard.length_limit("mastodon", "someone_with_a_long_name") == 274
    assert reasons(guard, "a" * 280, author="someone_with_a_long_name")[0].startswith("280/274 characters")
    assert guard.length_limit("mastodon") == 268  # no author known: room for any "@author "


def test_the_guidelines_limit_applies_when_it_is_the_lower_one():
    guard = Guardrails(Guidelines(), text_limit=instance(5000)[0])
    assert guard.length_limit("mastodon", "maria") == 468
    assert reasons(guard, "a" * 469) == ["469/468 characters on Mastodon; shorten the reply by 1."]
    strict = Guardrails(Guidelines(length_limits={"mastodon": 100}), text_limit=instance(300)[0])
    assert reasons(strict, "a" * 101) == ["101/100 characters on Mastodon; shorten the reply by 1."]


def test_no_opinion_keeps_the_guidelines_limit():
    guard = Guardrails(Guidelines(), text_limit=instance(300)[0])
    assert guard.length_limit("x", "maria") == 280
    assert reasons(guard, "a" * 281, "x") == ["281/280 characters on X; shorten the reply by 1."]
    without = Guardrails(Guidelines())
    assert without.length_limit("mastodon", "maria") == 468
    assert without.length_limit("forum", "maria") is None


def test_a_platform_limit_applies_to_a_network_the_guidelines_leave_open():
    guard = Guardrails(Guidelines(), text_limit=lambda network, author: 50 if network == "forum" else None)
    assert reasons(guard, "a" * 51, "forum") == [
        "51/50 characters on forum (the most the connected forum account can post in this reply); "
        "shorten the reply by 1."]


def test_the_hook_can_be_set_after_the_guardrails_are_built():
    # App sets it once the publishers have connected.
    guard = Guardrails(Guidelines())
    assert reasons(guard, "a" * 320) == []
    guard.text_limit = instance(300)[0]
    assert reasons(guard, "a" * 320)[0].startswith("320/293")


def test_a_short_link_counts_23_on_mastodon():
    guard = Guardrails(Guidelines(length_limits={"mastodon": 100}))
    text = "a" * 76 + " https://a.co"  # 89 code points; Mastodon counts 77 + 23 = 100
    assert reasons(guard, text) == []
    assert reasons(guard, "a" + text)[0].startswith("101/100 characters on Mastodon")
    assert reasons(guard, "a" * 77 + " acme.co/x") == []  # no scheme: Mastodon counts it as text
