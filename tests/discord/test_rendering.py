"""Card → Discord embeds and components: outside text stays inert, Discord's
limits hold, and the buttons carry their action and case."""
from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings, strategies as st

from integrations.chat.discord.components import card_view, edit_modal, reject_modal
from integrations.chat.discord.embeds import card_embeds, summary
from integrations.chat.common import split_words as split_command
from integrations.chat.discord.lookup import marker
from integrations.chat.discord.text import inert
from tests.slack.conftest import make_card

HOSTILE = "@everyone @here <@123456789012345678> <@&223456789012345678> <#323456789012345678> **bold** " \
          "[click](https://evil.example) `code` ||spoiler||\n# heading\n-# small\n> quote"
UNESCAPED_PING = re.compile(r"(?<!\\)<[@#]|@(everyone|here)", re.I)


def embed_texts(card) -> list[str]:
    out = [summary(card)]
    for embed in card_embeds(card):
        data = embed.to_dict()
        out += [data.get("title", ""), data.get("description", "")]
        out += [f["value"] for f in data.get("fields", [])] + [f["name"] for f in data.get("fields", [])]
    return out


def test_outside_text_cannot_ping_link_or_style():
    card = make_card(mention_text=HOSTILE, incident_count=3, incident_samples=(HOSTILE,))
    author = card.author.model_copy(update={"name": "<@123456789012345678> @everyone", "handle": "**x**"})
    customer = dataclasses.replace(card.customer, name=HOSTILE, earlier_interactions=(HOSTILE,))
    draft = dataclasses.replace(card.draft, text=HOSTILE)
    card = dataclasses.replace(card, author=author, customer=customer, draft=draft, mention_url="javascript:alert(1)")
    for text in embed_texts(card):
        assert not UNESCAPED_PING.search(text), text
        assert "](https://evil" not in text and "**bold**" not in text and "\n# heading" not in text, text
    embed = card_embeds(card)[0].to_dict()
    assert "url" not in embed  # a javascript: link is dropped
    assert "<@" not in embed["author"]["name"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("@<>#&!*_~`|[]()-\n everyonehr1234:/")), max_size=200))
def test_inert_never_leaves_a_ping_or_a_mention(text):
    out = inert(text, 1024)
    assert len(out) <= 1024
    assert not UNESCAPED_PING.search(out), out


def test_discords_limits_hold_for_huge_cards():
    card = make_card(mention_text="x" * 20_000, matched=tuple(f"term{n}" for n in range(200)),
                     incident_count=99, incident_samples=tuple("y" * 500 for _ in range(10)),
                     folded_cases=tuple(range(1, 400)))
    card = dataclasses.replace(card, draft=dataclasses.replace(card.draft, text="z" * 10_000))
    embeds = card_embeds(card)
    assert sum(len(e) for e in embeds) <= 6000
    for embed in embeds:
        data = embed.to_dict()
        assert len(data.get("description", "")) <= 4096 and len(data.get("fields", [])) <= 25
        assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in data.get("fields", []))


def test_buttons_carry_action_and_case_and_assign_is_a_user_picker():
    view = card_view(make_card(case_id=42))
    rows = view.to_components()
    ids = [c["custom_id"] for row in rows for c in row["components"]]
    assert ids == [f"rejoinder:{a}:42" for a in ("approve", "edit", "reject", "escalate", "resolve", "assign")]
    assert rows[-1]["components"][0]["type"] == 5 and all(len(r["components"]) <= 5 for r in rows)
    assert view.timeout is None and view.is_persistent()


def test_modals_show_the_draft_and_findings_and_ask_why():
    card = make_card()
    edit = edit_modal(card).to_dict()
    shown = str(edit["components"])
    assert card.draft.text in shown and "Guardrail findings" in shown and "Promises a refund" in shown
    assert len(edit["title"]) <= 45
    assert "Why is this draft rejected?" in str(reject_modal(7).to_dict()["components"])


def test_commands_and_markers():
    assert split_command("redraft 12 shorter") == ("redraft", "12 shorter")
    assert split_command("   ") == ("help", "")
    assert marker("a") != marker("b") and marker("a") == marker("a")
    assert marker("chat.thread:9").strip("\u200b\u200c\u2063") == ""  # invisible
