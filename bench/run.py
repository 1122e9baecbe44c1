"""Run the benchmarks and print their figures.

    python bench/run.py [--quick]

Each entry of BENCHES names a module with `run(quick, note) -> dict` of
figures; `note(text)` prints a remark. The last line printed is one JSON
object merging every module's figures, for scripts to read.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

BENCHES = ["bench.routing_bench", "bench.pipeline_bench", "bench.firehose_bench", "bench.slack_bench",
           "bench.discord_bench", "bench.insights_bench", "bench.crm_bench", "bench.import_bench",
           "bench.cluster_bench"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples; finishes in under a minute")
    args = parser.parse_args(argv)

    console = Console(stderr=False)
    figures: dict = {}
    table = Table(title="Rejoinder benchmarks" + (" (quick)" if args.quick else ""))
    table.add_column("bench")
    table.add_column("figure")
    table.add_column("value", justify="right")
    started = time.perf_counter()
    for name in BENCHES:
        module = importlib.import_module(name)
        result = module.run(args.quick, lambda text: console.print(f"[dim]{name}:[/] {text}"))
        for key, value in result.items():
            table.add_row(name.rsplit(".", 1)[-1], key, f"{value:,}" if isinstance(value, (int, float)) else str(value))
        figures.update(result)
    figures["total_s"] = round(time.perf_counter() - started, 1)
    console.print(table)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
