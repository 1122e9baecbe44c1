"""Routing throughput: the Router against a loop over Python `re` rules."""
from __future__ import annotations

import time

from bench.naive_router import NaiveRouter
from bench.routing_data import make_workload
from bot.intake.enrich import Facts
from bot.routing import Router

BRAND_HANDLES = {"x": "acme", "bluesky": "acme.bsky.social"}


def _route_all(router, workload, indexes) -> tuple[float, float, list]:
    """(wall seconds, CPU seconds, results): CPU time shows the one-core cost
    even when other work shares the machine."""
    mentions, texts = workload.mentions, workload.texts
    results = []
    append = results.append
    wall, cpu = time.perf_counter(), time.process_time()
    for i in indexes:
        mention, text = mentions[i], texts[i]
        append(router.route(mention, text, Facts(mention, text, BRAND_HANDLES)))
    return time.perf_counter() - wall, time.process_time() - cpu, results


def run(quick: bool, note) -> dict:
    """Figures: routing_mps, naive_mps and what they were measured on."""
    started = time.perf_counter()
    workload = make_workload()
    generated = time.perf_counter()
    router = Router(workload.routes)
    compiled = time.perf_counter()
    for warning in router.warnings:
        note(f"router warning: {warning}")

    everything = range(len(workload.mentions))
    runs = [_route_all(router, workload, everything) for _ in range(3 if quick else 5)]
    best_wall = min(wall for wall, _, _ in runs)
    best_cpu = min(cpu for _, cpu, _ in runs)
    results = runs[0][2]
    routed = sum(1 for r in results if r is not None)

    naive = NaiveRouter(workload.routes)
    subset = range(0, len(workload.mentions), len(workload.mentions) // (100 if quick else 1000))
    naive_time, _, naive_results = _route_all(naive, workload, subset)
    disagreements = sum(
        1 for i, name in zip(subset, naive_results)
        if name != (results[i].route if results[i] else None)
    )
    note(f"routing: best of {len(runs)} passes over all mentions; one Facts made per mention, fields left lazy")
    note(f"naive matcher measured on {len(subset)} of {len(workload.mentions)} mentions and extrapolated")
    if disagreements:
        note(f"WARNING: naive and Router disagree on {disagreements} of {len(subset)} mentions")
    return {
        "routes": len(workload.routes),
        "mentions": len(workload.mentions),
        "routed_share": round(routed / len(workload.mentions), 4),
        "generate_s": round(generated - started, 2),
        "compile_s": round(compiled - generated, 2),
        "routing_mps": round(len(workload.mentions) / best_wall),
        "routing_cpu_mps": round(len(workload.mentions) / best_cpu),
        "naive_mps": round(len(subset) / naive_time, 1),
        "naive_sample": len(subset),
        "naive_disagreements": disagreements,
    }
