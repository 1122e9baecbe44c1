"""The demo's closing summary: every stage of the loop, counted from the database."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from statistics import median

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from bot.core import Core
from bot.intake.pipeline import Ingested
from bot.store import tables as t
from integrations.social.replay import read_replies


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


async def collect(core: Core, outcomes: list[Ingested], replies_path: Path) -> dict:
    async with core.db.sessions() as s:
        cases = list((await s.execute(select(t.Case))).scalars())
        drafts = list((await s.execute(select(t.Draft))).scalars())
        approvals = list((await s.execute(select(t.Approval))).scalars())
        refusals = list((await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "refused"))).scalars())
        sent = list((await s.execute(select(t.Outbox).where(t.Outbox.kind == "publish.reply"))).scalars())
        notes = list((await s.execute(select(t.Note))).scalars())
        timeline = (await s.execute(select(t.CustomerEvent.kind))).scalars().all()
    kinds = Counter(o.outcome for o in outcomes)
    frt = sorted(core.cases.first_response(c).total_seconds() for c in cases if c.first_response_at)
    blocks = [(d.case_id, d.version, f["rule"], f["reason"]) for d in drafts for f in d.findings if f["severity"] == "block"]
    return {
        "mentions": len(outcomes),
        "outcomes": dict(kinds),
        "routed_per_team": dict(Counter(c.team for c in cases)),
        "cases": len(cases),
        "incidents": [(c.id, c.route) for c in cases if c.is_incident],
        "drafts": len(drafts),
        "drafts_by_source": dict(Counter(d.source for d in drafts)),
        "edits": sum(1 for d in drafts if d.source == "human"),
        "edited_then_approved": [
            (d.case_id, d.version, d.author, ", ".join(a.approver for a in approvals
                                                       if a.draft_id == d.id and a.decision == "approve"))
            for d in drafts if d.source in ("human", "suggestion")
            and any(a.draft_id == d.id and a.decision == "approve" for a in approvals)],
        "suggestions": sum(1 for d in drafts if d.source == "suggestion"),
        "guardrail_blocks": blocks,
        "approvals": sum(1 for a in approvals if a.decision == "approve"),
        "rejections": [(a.case_id, a.reason) for a in approvals if a.decision == "reject"],
        "refusals": [(e.case_id, e.actor, e.detail.get("reason", "")) for e in refusals],
        "notes": len(notes),
        "published": sum(1 for o in sent if o.status == "sent"),
        "publish_failed": sum(1 for o in sent if o.status == "failed"),
        "replies_in_output": len(read_replies(replies_path)) if replies_path.exists() else 0,
        "first_response_median_s": median(frt) if frt else None,
        "first_response_max_s": frt[-1] if frt else None,
        "sla_breached": sum(1 for c in cases if core.cases.sla_breached(c)),
        "stages": dict(Counter(c.stage for c in cases)),
        "customer_timeline": dict(Counter(timeline)),
        **await insight_figures(core),
    }


async def insight_figures(core: Core) -> dict:
    async with core.db.sessions() as s:
        events = Counter((await s.execute(select(t.CaseEvent.kind).where(t.CaseEvent.kind.like("sla_%")))).scalars())
        spikes = list((await s.execute(select(t.Spike).order_by(t.Spike.id))).scalars())
    return {"sla_warnings": events.get("sla_warn", 0), "sla_breaches_alerted": events.get("sla_breach", 0),
            "spikes": [(sp.series, sp.figures.get("count"), sp.figures.get("ratio"), sp.updates,
                        sp.figures.get("incident")) for sp in spikes]}


def print_summary(console: Console, s: dict) -> None:
    table = Table(title="Rejoinder demo — the loop, end to end", show_lines=False)
    table.add_column("stage")
    table.add_column("result")

    def row(stage: str, text: str) -> None:
        table.add_row(stage, Text(text))  # external text is never read as markup
    o = s["outcomes"]
    row("listen", f"{s['mentions']} mentions: {o.get('opened', 0)} opened a case, {o.get('joined', 0)} joined one, "
                  f"{o.get('dropped', 0)} dropped as noise, {o.get('duplicate', 0)} duplicates")
    row("route", ", ".join(f"{team} {n}" for team, n in sorted(s["routed_per_team"].items()))
                  + f" ({s['cases']} cases)")
    for case_id, route in s["incidents"]:
        row("incident", f"burst on route {route} folded into case #{case_id}")
    row("context", "customer timeline: " + ", ".join(f"{k} {v}" for k, v in sorted(s["customer_timeline"].items())))
    row("draft", f"{s['drafts']} versions (" + ", ".join(f"{k} {v}" for k, v in sorted(s["drafts_by_source"].items())) + ")")
    for case_id, version, rule, reason in s["guardrail_blocks"]:
        row("guardrail block", f"case #{case_id} v{version} [{rule}] {reason}")
    row("collaborate", f"{s['notes']} internal notes, {s['edits']} edits, {s['suggestions']} partner suggestions")
    row("approve", f"{s['approvals']} approvals, {len(s['rejections'])} rejections, {len(s['refusals'])} refusals")
    for case_id, version, editor, approvers in s["edited_then_approved"]:
        row("edit → approve", f"case #{case_id} v{version} written by {editor}, approved by {approvers}")
    for case_id, reason in s["rejections"]:
        row("rejected", f"case #{case_id}: {reason}")
    for case_id, actor, reason in s["refusals"]:
        row("refused", f"case #{case_id} ({actor}): {reason}")
    row("publish", f"{s['published']} replies published exactly once ({s['replies_in_output']} lines in replies.jsonl), "
                  f"{s['publish_failed']} failed")
    row("first response", f"median {_minutes(s['first_response_median_s'])}, max {_minutes(s['first_response_max_s'])}, "
                  f"{s['sla_breached']} over the first-response target")
    row("stages", ", ".join(f"{k} {v}" for k, v in sorted(s["stages"].items())))
    row("SLA alerts", f"{s['sla_warnings']} warnings and {s['sla_breaches_alerted']} breaches announced in threads and channels")
    for series, count, ratio, updates, incident in s["spikes"]:
        row("spike alert", f"{series}: {count} mentions in the window, {ratio}× the usual; posted once, edited {updates} times"
                           + (f"; incident card #{incident}" if incident else ""))
    if s.get("report"):
        row("report", f"{s['report'][0]} with {s['report'][1]} charts")
    console.print(table)
