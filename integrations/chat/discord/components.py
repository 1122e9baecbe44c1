"""The buttons under a case card and the Edit and Reject modals.

The buttons are persistent: each is a `DynamicItem` whose custom id names
the action and the case (`rejoinder:approve:12`), registered with the client
at start, so a click on a card posted before a restart still reaches us.
Callbacks only hand the click to `Inbound`; the core decides whether the
person may do it.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.types import Card

from integrations.chat.discord.embeds import findings_text
from integrations.chat.discord.text import BUTTON_LABEL, INPUT_VALUE, MODAL_TITLE, TEXT_DISPLAY, clip, flat

if TYPE_CHECKING:
    from integrations.chat.discord.inbound import Inbound

PREFIX = "rejoinder:"
BUTTONS = {
    "draft": ("Draft reply", discord.ButtonStyle.primary), "redraft": ("Redraft", discord.ButtonStyle.secondary),
    "approve": ("Approve", discord.ButtonStyle.success), "edit": ("Edit", discord.ButtonStyle.secondary),
    "reject": ("Reject", discord.ButtonStyle.danger), "escalate": ("Escalate", discord.ButtonStyle.secondary),
    "resolve": ("Resolve", discord.ButtonStyle.secondary), "close": ("Close without reply", discord.ButtonStyle.secondary),
    "publish": ("Publish", discord.ButtonStyle.success),
}
ROW_SIZE = 5  # buttons per action row
TEXT_INPUT_ID = "text"


def inbound_of(interaction: discord.Interaction) -> "Inbound":
    return interaction.client.inbound  # type: ignore[attr-defined]  # our RejoinderClient


class CaseButton(discord.ui.DynamicItem[discord.ui.Button], template=r"rejoinder:(?P<action>(?!assign:)[a-z_]+):(?P<case>\d+)"):
    def __init__(self, action: str, case_id: int, row: int | None = None) -> None:
        label, style = BUTTONS.get(action, (action.replace("_", " ").capitalize(), discord.ButtonStyle.secondary))
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL), style=style,
                                           custom_id=f"{PREFIX}{action}:{case_id}"), row=row)
        self.action, self.case_id = action, case_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["action"], int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await inbound_of(interaction).click(interaction, self.action, self.case_id)


class AssignPicker(discord.ui.DynamicItem[discord.ui.UserSelect], template=r"rejoinder:assign:(?P<case>\d+)"):
    def __init__(self, case_id: int, row: int | None = None) -> None:
        super().__init__(discord.ui.UserSelect(placeholder="Assign to…", custom_id=f"{PREFIX}assign:{case_id}",
                                               min_values=1, max_values=1), row=row)
        self.case_id = case_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.UserSelect, match: re.Match[str], /):
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await inbound_of(interaction).click(interaction, "assign", self.case_id, picked=list(self.item.values))


class LinkButton(discord.ui.DynamicItem[discord.ui.Button], template=r"rejoinder:link:(?P<case>\d+):(?P<n>\d)"):
    """"Link <name>" for the n-th contact the card suggests. The click only
    names the suggestion: the card, read again for the person clicking, says
    which contact it is, and the core's `link` command decides whether they may."""

    def __init__(self, case_id: int, n: int, name: str = "contact", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=clip(f"Link {name}", BUTTON_LABEL), style=discord.ButtonStyle.secondary,
                                           custom_id=f"{PREFIX}link:{case_id}:{n}"), row=row)
        self.case_id, self.n = case_id, n

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["case"]), int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await inbound_of(interaction).link(interaction, self.case_id, self.n)


def card_view(card: Card) -> discord.ui.View:
    """The card's actions: buttons five to a row, then the Assign picker."""
    view = discord.ui.View(timeout=None)
    buttons = [a for a in dict.fromkeys(card.actions) if a != "assign"]
    for index, action in enumerate(buttons[: ROW_SIZE * 3]):
        view.add_item(CaseButton(action, card.case_id, row=index // ROW_SIZE))
    if "assign" in card.actions:
        view.add_item(AssignPicker(card.case_id, row=min(3, (len(buttons) - 1) // ROW_SIZE + 1)))
    crm = card.crm
    if crm is not None and crm.status == "no_match" and not crm.redacted:
        for n, contact in enumerate(crm.suggestions[:ROW_SIZE]):
            if contact.email:
                view.add_item(LinkButton(card.case_id, n, contact.name, row=4))
    return view


class TextModal(discord.ui.Modal):
    """One text to submit (the edited reply, the reason to reject), and what
    to know before writing it; the submission goes to `Inbound`."""

    def __init__(self, action: str, case_id: int, title: str, label: str, *, default: str | None = None,
                 placeholder: str | None = None, notes: str | None = None) -> None:
        super().__init__(title=clip(title, MODAL_TITLE), timeout=900)
        self.action, self.case_id = action, case_id
        if notes:
            self.add_item(discord.ui.TextDisplay(clip(notes, TEXT_DISPLAY)))
        self.text = discord.ui.TextInput(label=clip(label, MODAL_TITLE), style=discord.TextStyle.paragraph,
                                         custom_id=TEXT_INPUT_ID, default=clip(default, INPUT_VALUE) if default else None,
                                         placeholder=placeholder, min_length=1, max_length=INPUT_VALUE)
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await inbound_of(interaction).submitted(interaction, self.action, self.case_id, self.text.value.strip())


def edit_modal(card: Card) -> TextModal:
    """The draft, ready to change, under its guardrail findings."""
    draft = card.draft
    notes = f"**Guardrail findings**\n{findings_text(draft, 3800)}" if draft is not None and draft.findings else None
    head = f"Case #{card.case_id} · reply to @{flat(card.author.handle, 60)} on {flat(card.network, 20)}"
    return TextModal("edit", card.case_id, "Edit draft", "Reply text", default=draft.text if draft else None,
                     placeholder="The reply to publish", notes=f"{head}\n\n{notes}" if notes else head)


def reject_modal(case_id: int) -> TextModal:
    return TextModal("reject", case_id, "Reject draft", "Why is this draft rejected?",
                     placeholder="e.g. wrong tone, promises a refund we can't give",
                     notes=f"Case #{case_id}: the drafter sees this reason on the next draft.")


DYNAMIC_ITEMS = (CaseButton, AssignPicker, LinkButton)
