"""Block Kit rendering: outside text stays inert, limits hold, modals and the
App Home validate."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from bot.types import CaseSummary, ChatUser, CustomerView, Finding, HomeView
from integrations.chat.slack.blocks import MESSAGE_BLOCK_LIMIT, card_blocks, fallback_text, fit, home_view
from integrations.chat.slack.modals import edit_modal, read_metadata, reject_modal
from integrations.chat.slack.inbound import plain_text, split_command
from integrations.chat.slack.text import escape, inert
from tests.emulators.slack_checks import block_errors, text_objects, view_errors
from tests.slack.conftest import make_card

HOSTILE = "<!channel> @here <https://evil.example|click> *bold* _it_ ~gone~ `code` <!subteam^S0123> <@U0BOSS> &amp;"
RAW_CONTROLS = ("<!channel>", "<!subteam", "<https://evil", "<@U0BOSS>", "<!here>", "<!everyone>", "<https://phish")
STYLED = ("*bold*", "_it_", "~gone~", "`code`", "*Boss*", "*star*")


def hostile_card():
    card = make_card(mention_text=HOSTILE, incident_count=5, incident_samples=("<!everyone> *free* stuff",))
    author = card.author.model_copy(update={"name": "*Boss* <!here>", "url": "https://x.example/a|<b>"})
    customer = dataclasses.replace(card.customer, name="*star* <!here>", earlier_interactions=("<https://phish|win>",))
    draft = dataclasses.replace(card.draft, text="Visit <https://phish|our site> *now*")
    return dataclasses.replace(card, author=author, customer=customer, draft=draft, mention_url="javascript:alert(1)")


def test_outside_text_cannot_ping_link_or_style():
    blocks = card_blocks(hostile_card())
    assert block_errors(blocks) == []
    texts = text_objects(blocks)
    for obj in texts:
        for raw in RAW_CONTROLS:
            assert raw not in obj["text"], (raw, obj)
    for obj in (t for t in texts if t["type"] == "mrkdwn"):
        assert obj.get("verbatim") is True, obj  # no auto-linking of names, channels or URLs
        for styled in STYLED:
            assert styled not in obj["text"], (styled, obj)
    quote = next(t for t in texts if "@here" in t["text"] and "evil" in t["text"])
    assert quote["type"] == "plain_text"
    assert quote["text"] == escape(HOSTILE)
    assert "&amp;amp;" in quote["text"], "an entity typed by the author stays literal"
    assert "javascript" not in str(blocks)


def test_the_notification_text_is_escaped_too():
    card = hostile_card()
    card.author = card.author.model_copy(update={"handle": "<!channel>"})
    assert "<" not in fallback_text(card)


def test_inert_values_lose_line_breaks_and_formatting():
    assert inert("a\n> quote *b* _c_") == "a &gt; quote ∗b∗ ˍcˍ"


def test_long_text_is_clipped_without_cutting_an_entity():
    blocks = card_blocks(make_card(mention_text="&" * 5000))
    assert block_errors(blocks) == []
    quote = next(t for t in text_objects(blocks) if t["text"].startswith("&amp;"))
    assert len(quote["text"]) <= 3000
    assert quote["text"].endswith("&amp;…")


def test_the_card_shows_what_a_reviewer_needs():
    due = datetime.now(timezone.utc) - timedelta(minutes=5)
    card = make_card(sla_due_at=due, assignee="U0AGENT", incident_count=4, incident_samples=("where is my parcel",))
    card.draft = dataclasses.replace(card.draft, approvals=("Bea Boss",), approvals_required=2)
    text = str(card_blocks(card))
    for expected in ("Maria Lopez (@maria_l)", "15,300 followers", "negative (-0.71)", "delivery → care",
                     "never arrived", "shipping", "gold", "1,820.50", "A-1001", "asked about sizes",
                     "awaiting approval", "<@U0AGENT>", "overdue", f"<!date^{int(due.timestamp())}^",
                     "approvals 1/2", "BLOCKED", "Promises a refund", "Incident", "4 similar", "where is my parcel"):
        assert expected in text, expected


def test_buttons_carry_the_case_id_and_assign_is_a_user_picker():
    actions = card_blocks(make_card(case_id=42, actions=("approve", "assign", "snooze")))[-1]
    assert actions["type"] == "actions" and actions["block_id"] == "case:42"
    approve, assign, other = actions["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == ("rejoinder:approve", "42", "primary")
    assert assign["type"] == "users_select" and assign["action_id"] == "rejoinder:assign"
    assert other["text"]["text"] == "Snooze"


def test_a_redacted_customer_is_marked():
    customer = CustomerView(1, "M. L.", "gold", None, None, None, (), (), (), (), redacted=True)
    text = str(card_blocks(make_card(customer=customer)))
    assert "hidden in this channel" in text and "Lifetime value:* hidden" in text


def test_many_findings_still_fit():
    card = make_card()
    card.draft = dataclasses.replace(card.draft, findings=tuple(Finding(f"r{n}", "warn", "x" * 300) for n in range(100)))
    blocks = card_blocks(card)
    assert block_errors(blocks) == []
    assert "more" in str(blocks)


def test_fit_keeps_the_header_and_the_buttons():
    blocks = [{"type": "header"}] + [{"type": "divider"}] * 80 + [{"type": "actions"}]
    fitted = fit(blocks, MESSAGE_BLOCK_LIMIT)
    assert len(fitted) == 50
    assert fitted[0]["type"] == "header" and fitted[-1]["type"] == "actions"
    assert "33 more sections hidden" in str(fitted[-2])


def test_the_edit_modal_is_prefilled_and_carries_the_case():
    card = make_card()
    card.draft = dataclasses.replace(card.draft, text="y" * 5000)
    view = edit_modal(card, "C0CARE", "123.456")
    assert view_errors(view) == []
    element = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert element["initial_value"] == "y" * 3000
    assert read_metadata(view["private_metadata"]) == {"case_id": 7, "channel": "C0CARE", "ts": "123.456"}
    assert view_errors(reject_modal(7, "C0CARE", "123.456")) == []


def test_the_home_view_stays_within_limits():
    now = datetime.now(timezone.utc)
    cases = [CaseSummary(n, "care", "new", "high", "x", f"user{n}", "*loud* <!here> " * 20, now) for n in range(300)]
    view = home_view(HomeView(ChatUser("U1", "Ana"), cases, cases, cases, {"care": 300}, {"negative": 3}))
    assert view_errors(view) == []
    assert len(view["blocks"]) <= 100
    text = str(view)
    assert "<!here>" not in text and "*loud*" not in text and "…and" in text


def test_typed_text_is_read_back_as_plain_text():
    assert plain_text("mail <mailto:a@b.example|a@b.example> &lt;3 <https://x.example>") == "mail a@b.example <3 https://x.example"
    assert split_command("  Redraft  shorter and warmer ") == ("redraft", "shorter and warmer")
    assert split_command("") == ("help", "")


def test_an_incident_lists_the_cases_folded_into_it_within_slacks_limits():
    few = card_blocks(make_card(case_id=90, incident_count=14, folded_cases=(3, 5, 8)))
    assert block_errors(few) == []
    assert "Folded here: #3, #5, #8" in str(few) and "lists them all" not in str(few)

    many = make_card(case_id=900, incident_count=5000, folded_cases=tuple(range(100_000, 104_000)))
    blocks = card_blocks(many)
    assert block_errors(blocks) == []
    [folded] = [t["text"] for t in text_objects(blocks) if t["text"].startswith("Folded here:")]
    assert folded.startswith("Folded here: #100000, #100001, ") and "(+3970 more)" in folded
    assert "/rejoinder case 900 lists them all" in folded and len(folded) < 3000


def test_a_folded_case_names_its_incident():
    blocks = card_blocks(make_card(case_id=4, incident_of=12))
    assert block_errors(blocks) == []
    assert "Folded into incident #12." in str(blocks) and "Folded here" not in str(blocks)


def test_an_edited_or_deleted_post_is_marked_under_its_text():
    plain_card = card_blocks(make_card())
    assert "Edited by its author" not in str(plain_card) and "Deleted by its author" not in str(plain_card)

    blocks = card_blocks(make_card(mention_text=HOSTILE, mention_edited=True, mention_deleted=True))
    assert block_errors(blocks) == []
    quote = next(i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == escape(HOSTILE))
    marks = blocks[quote + 1]
    assert marks["type"] == "context"
    texts = [e["text"] for e in marks["elements"]]
    assert len(texts) == 2 and "Edited by its author" in texts[0]
    assert "Deleted by its author" in texts[1] and "public reply can no longer be attached" in texts[1]
    assert all(e["type"] == "mrkdwn" and e["verbatim"] is True for e in marks["elements"])

    edited_only = card_blocks(make_card(mention_edited=True))
    assert "Edited by its author" in str(edited_only) and "Deleted by its author" not in str(edited_only)
    deleted_only = card_blocks(make_card(mention_deleted=True))
    assert "Deleted by its author" in str(deleted_only) and "Edited by its author" not in str(deleted_only)
