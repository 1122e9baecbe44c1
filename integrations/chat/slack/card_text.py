"""The quoted post on a case card, with what its author did to it since."""
from __future__ import annotations

from bot.types import Card

from integrations.chat.slack.text import mrkdwn, plain

EDITED = ":pencil2: _Edited by its author_ · the text above is the latest version"
DELETED = ":wastebasket: *Deleted by its author* · a public reply can no longer be attached to it"


def mention_blocks(card: Card) -> list[dict]:
    """The post's text (plain_text: Slack never formats it), then a context
    line when it was edited or deleted."""
    blocks = [{"type": "section", "text": plain(card.mention_text or "(no text)")}]
    marks = [mrkdwn(text) for flag, text in ((card.mention_edited, EDITED), (card.mention_deleted, DELETED)) if flag]
    if marks:
        blocks.append({"type": "context", "elements": marks})
    return blocks
