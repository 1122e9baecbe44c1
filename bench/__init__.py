"""Throughput benchmarks: `python bench/run.py [--quick]`."""
