"""Edited posts. A source reports a new version of a post under the original
post's (network, external_id). For a stored mention the text, and what
enrichment drew from it, is replaced; the earlier text stays on the case
timeline, and the card and the case's thread are told. A post never stored
is handed back, to be taken as a new mention: before the edit it may have
been noise, and routing decides again."""
from __future__ import annotations

from dataclasses import dataclass

import regex
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.lifecycle import CaseService
from bot.intake.enrich import Facts
from bot.intake.normalize import normalize
from bot.store import tables as t
from bot.types import Mention

CUSTOMER = frozenset({"customer"})
EXCERPT_CHARS = 200  # of the new text, in the thread line
_GRAPHEME = regex.compile(r"\X")
_STORED = (select(t.Mention, t.Author.handle).join(t.Author, t.Mention.author_id == t.Author.id)
           .where(t.Mention.external_id.in_(bindparam("ids", expanding=True))))


@dataclass(frozen=True)
class Edit:
    key: str
    outcome: str  # edited | unchanged
    case_id: int | None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` cut to about `limit` characters at a word (else a grapheme) boundary, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        return cut[:space].rstrip() + "…"
    kept, size = [], 0
    for grapheme in _GRAPHEME.findall(text):  # never split an emoji sequence or an accent from its letter
        if size + len(grapheme) > limit:
            break
        kept.append(grapheme)
        size += len(grapheme)
    return "".join(kept).rstrip() + "…"


async def apply_to_stored(s: AsyncSession, cases: CaseService, brand_handles: dict[str, str],
                          edits: list[Mention]) -> tuple[list[Edit | None], list[Mention]]:
    """Apply `edits`, in order, to the mentions stored already. Returns one
    Edit per edit (None where the post is not stored) and the versions of the
    posts not stored, the latest of each post once, to ingest as new."""
    if not edits:
        return [], []
    rows = await s.execute(_STORED, {"ids": list({m.external_id for m in edits})})
    stored = {(row.network, row.external_id): (row, handle) for row, handle in rows}
    results: list[Edit | None] = []
    unseen: dict[tuple[str, str], Mention] = {}
    for mention in edits:
        found = stored.get((mention.network, mention.external_id))
        if found is None:
            unseen.pop((mention.network, mention.external_id), None)
            unseen[(mention.network, mention.external_id)] = mention  # the latest version wins
            results.append(None)
            continue
        row, handle = found
        results.append(await _apply(s, cases, brand_handles, row, handle, mention))
    return results, list(unseen.values())


async def _apply(s: AsyncSession, cases: CaseService, brand_handles: dict[str, str], row: t.Mention, handle: str,
                 mention: Mention) -> Edit:
    key = f"{row.network}:{row.external_id}"
    text = normalize(mention.text)
    if mention.reply_ref and mention.reply_ref != (row.reply_ref or {}):
        row.reply_ref = dict(mention.reply_ref)  # e.g. on X a reply goes to the latest version
    if text == row.text or row.deleted:  # delivered again, or a change the text does not show
        return Edit(key, "unchanged", row.case_id)
    before, row.text = row.text, text
    facts = Facts(mention, text, brand_handles, extra_flags=CUSTOMER if "customer" in (row.flags or []) else None)
    row.language, row.sentiment, row.flags = facts.language, facts.sentiment, sorted(facts.flags)
    if row.case_id is None:
        return Edit(key, "edited", None)
    case = await s.get(t.Case, row.case_id)
    if not case.is_incident and not facts.flags <= set(case.flags or []):
        # A flag the edit brought (a legal threat, an injection attempt) counts for
        # the case's risk as if it had been there first; one it removed was still seen.
        case.flags = sorted(set(case.flags or []) | facts.flags)
    await cases.event(s, case, f"@{handle}", "mention_edited", _line(cases, case, handle, text),
                      mention=key, before=before, after=text)
    return Edit(key, "edited", case.id)


def _line(cases: CaseService, case: t.Case, handle: str, text: str) -> str:
    line = f"@{handle} edited their post: “{excerpt(text)}”"
    rules = cases.rules[case.team]
    if case.stage == rules.target("draft"):
        line += " The draft awaiting approval was written for the earlier text."
    elif case.stage == rules.target("approve"):
        line += " The approved reply was written for the earlier text."
    return line
