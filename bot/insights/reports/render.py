"""Turns report figures into PNG charts, one HTML page and CSV files."""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

from bot.insights import charts
from bot.insights.reports.figures import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def chart_for(table: Table) -> "Figure | None":
    """The chart of one figure, or None when it has no data."""
    if not table.rows:
        return None
    first = [str(v) for v in table.column(table.columns[0])]
    n = table.name
    if n.startswith("volume_"):
        return charts.bars(table.title, first, {"mentions": table.column("mentions")}, table.columns[0], "mentions")
    if n == "sentiment":
        unit = table.columns[0]
        return charts.lines(table.title, first, {k: table.column(k) for k in ("negative", "neutral", "positive")},
                            table.axis or unit, f"mentions per {unit}")
    if n in ("first_response", "resolution"):
        return charts.bars(table.title, first, {"within SLA": table.column("within_sla"), "after SLA": table.column("after_sla")},
                           "time taken (m = minutes, h = hours)", "cases", stacked=True)
    if n == "stages":
        return charts.bars(table.title, first, {"cases": table.column("cases")}, "stage", "cases")
    if n == "approval_turnaround":
        return charts.bars(table.title, first, {"approvals": table.column("approvals")},
                           "draft to approval (m = minutes, h = hours)", "approvals")
    if n == "guardrail_blocks":
        return charts.bars(table.title, first, {"blocked drafts": table.column("blocks")}, "blocked drafts", "rule",
                           horizontal=True)
    if n == "top_topics":
        return charts.bars(table.title, first, {"this period": table.column("this_period"),
                                                "period before": table.column("period_before")},
                           "posts using the term", "term", horizontal=True)
    if n == "advocates":
        return charts.bars(table.title, first, {"score": table.column("score")}, "score (positive posts × reach)",
                           "author", horizontal=True)
    if n == "partners":
        return charts.bars(table.title, first, {"cases": table.column("cases"), "replied": table.column("replied"),
                                                "replied within SLA": table.column("replied_within_sla")},
                           "partner", "cases")
    return None


def write_csv(table: Table, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.columns)
        writer.writerows(table.rows)


def write_html(title: str, period: str, tables: list[Table], images: dict[str, str], path: Path) -> None:
    e = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{e(title)}</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0 2em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
             "img{max-width:100%}</style>", f"<h1>{e(title)}</h1><p>{e(period)}</p>"]
    for table in tables:
        parts.append(f"<h2>{e(table.title)}</h2>")
        if not table.rows:
            parts.append("<p><em>No data in this period.</em></p>")
            continue
        if table.name in images:
            parts.append(f"<img src='{e(images[table.name])}' alt='{e(table.title)}'>")
        parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in table.rows]
        parts.append(f"</table><p><a href='csv/{e(table.name)}.csv'>CSV</a></p>")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_report(title: str, period: str, tables: list[Table], out: Path) -> dict[str, Path]:
    """Writes index.html, <figure>.png and csv/<figure>.csv under `out`; returns the charts by figure."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "csv").mkdir(exist_ok=True)
    written: dict[str, Path] = {}
    for table in tables:
        write_csv(table, out / "csv" / f"{table.name}.csv")
        fig = chart_for(table)
        if fig is not None:
            path = out / f"{table.name}.png"
            path.write_bytes(charts.png(fig))
            written[table.name] = path
    write_html(title, period, tables, {k: p.name for k, p in written.items()}, out / "index.html")
    return written
