"""Every chart Rejoinder draws, in one module (matplotlib, Agg backend, no
display). Each has a title, axis labels with units and a legend; the caller
never asks for a chart without data (a report says "no data" instead)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = ["#3b6fb6", "#d9822b", "#2e9e5b", "#c23b3b", "#7a5cb0", "#8a8a8a", "#b8a11f", "#2aa3b5"]


def _figure(width: float = 6.4, height: float = 3.4) -> "Figure":
    # The object-oriented API, never pyplot: no global state, no GUI backend.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[float]], xlabel: str, ylabel: str, *,
         horizontal: bool = False, stacked: bool = False, target: tuple[str, float] | None = None) -> "Figure":
    """Grouped (or stacked) bars, one colour per series; `target` = (label, position) draws a marker line."""
    fig = _figure(height=max(3.4, 0.28 * len(labels) + 1.2) if horizontal else 3.4)
    ax = fig.add_subplot()
    n = max(1, len(series))
    width = 0.8 if stacked else 0.8 / n
    base = [0.0] * len(labels)
    for i, (name, values) in enumerate(series.items()):
        pos = [j + (0 if stacked else (i - (n - 1) / 2) * width) for j in range(len(labels))]
        draw = ax.barh if horizontal else ax.bar
        kwargs = {"left" if horizontal else "bottom": base} if stacked else {}
        draw(pos, list(values), width if not horizontal else width, label=name, color=COLOURS[i % len(COLOURS)], **kwargs)
        if stacked:
            base = [b + v for b, v in zip(base, values)]
    ticks = range(len(labels))
    if horizontal:
        ax.set_yticks(list(ticks), list(labels))
        ax.invert_yaxis()
    else:
        ax.set_xticks(list(ticks), list(labels), rotation=30 if len(labels) > 5 else 0, ha="right" if len(labels) > 5 else "center")
    if target is not None:
        (ax.axhline if not horizontal else ax.axvline)(target[1], color="#c23b3b", linestyle="--", label=target[0])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return fig


def lines(title: str, x: Sequence[str], series: dict[str, Sequence[float]], xlabel: str, ylabel: str,
          dashed: Sequence[str] = ()) -> "Figure":
    fig = _figure()
    ax = fig.add_subplot()
    for i, (name, values) in enumerate(series.items()):
        ax.plot(range(len(x)), list(values), label=name, color=COLOURS[i % len(COLOURS)],
                linestyle="--" if name in dashed else "-", marker="o" if len(x) <= 14 else None, markersize=3)
    step = max(1, len(x) // 8)
    ax.set_xticks(list(range(0, len(x), step)), [x[i] for i in range(0, len(x), step)])
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return fig


def png(fig: "Figure") -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def spike_chart(series: str, hours: Sequence[str], counts: Sequence[int], expected: Sequence[float],
                zone: str = "UTC") -> bytes:
    """The last 24 hours of a spiking series against its seasonal baseline, on the team's clock."""
    return png(lines(f"Mentions on {series}: last 24 h", hours, {"mentions": counts, "usual for the hour": expected},
                     f"hour ({zone})", "mentions per hour", dashed=("usual for the hour",)))
