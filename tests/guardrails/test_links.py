from __future__ import annotations

import pytest

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails
from bot.guardrails.links import find_links
from tests.guardrails.sample import only


@pytest.fixture
def allow() -> Guardrails:
    return Guardrails(Guidelines(link_allowlist=["acme.com", "https://status.acme.io/", "*.help.example"]))


@pytest.mark.parametrize("text", [
    "See https://acme.com/help.", "Visit www.acme.com", "Docs at support.acme.com/returns",
    "acme.com", "Status: https://status.acme.io/incidents/42 (live)", "Try eu.help.example/x",
    "HTTPS://ACME.COM/Help",
])
def test_allowed_hosts_and_subdomains_pass(allow, text):
    assert only(allow.check(text, "mastodon"), "links") == []


@pytest.mark.parametrize("text, host", [
    ("Go to evil.example/x now", "evil.example"),
    ("https://acme.com.evil.ru/login", "acme.com.evil.ru"),
    ("Check notacme.com for deals", "notacme.com"),
    ("https://acme.com@evil.example/", "evil.example"),  # the part before @ is a user name, not the host
    ("See http://203.0.113.9/x", "203.0.113.9"),
    ("status.acme.io.example.net", "status.acme.io.example.net"),
    ("ftp://files.example.org", "files.example.org"),
])
def test_other_hosts_block_and_are_named(allow, text, host):
    found = only(allow.check(text, "mastodon"), "links")
    assert [f.severity for f in found] == ["block"]
    assert found[0].reason.startswith(f"Links to {host}, which is not on the list of allowed sites")


def test_empty_allowlist_blocks_every_link(guard):
    found = only(guard.check("More at acme.com/help", "x"), "links")
    assert len(found) == 1 and "no links" in found[0].reason and "acme.com" in found[0].reason


@pytest.mark.parametrize("text", [
    "e.g. this, i.e. that", "Thanks.Have a good day", "done.It works", "Node.js is fun", "version 2.3.1",
    "the file report.pdf", "mail jo@example.com", "@jo.bsky.social thanks", "Mr.Smith", "costs $4.99",
    "back in the dot com days", "we dot the i's and cross the t's", "mail jo at example dot com",
])
def test_text_that_is_not_a_link_passes(guard, text):
    assert only(guard.check(text, "mastodon"), "links") == []


def test_trailing_punctuation_is_not_part_of_a_link():
    text = "(see https://en.wikipedia.org/wiki/Foo_(bar)), or acme.com."
    links = find_links(text)
    assert [text[link.start:link.end] for link in links] == ["https://en.wikipedia.org/wiki/Foo_(bar)", "acme.com"]
    assert [link.host for link in links] == ["en.wikipedia.org", "acme.com"]


def test_several_hosts_are_listed_once(allow):
    found = only(allow.check("a.example/1 b.example/2 a.example/3", "mastodon"), "links")
    assert "a.example, b.example, which are not" in found[0].reason
