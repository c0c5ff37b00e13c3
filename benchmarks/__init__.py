"""Reproducible benchmarks: `python -m benchmarks.run [names...]` (or `make bench`).

Each `benchmarks/bench_<name>.py` exposes `run() -> str`, a markdown section starting with a
`## ` heading; the runner runs each in its own process and writes docs/benchmarks.md.
Helpers to share (timing, percentiles, machine facts, gunicorn + load generator) are in
`benchmarks.common`. Benchmarks are never run by the unit tests.
"""
