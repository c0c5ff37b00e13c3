"""The load generator's process: `python -m benchmarks.loadgen` with a JSON spec on stdin.

Started by `benchmarks.common.run_load`, never by hand. N threads, each with its own keep-alive
`http.client` connection (reopened when the server closes it), share a request counter: a fixed
count or a deadline. Prints one JSON object (a `LoadResult`) on stdout. Loopback only.
"""

from __future__ import annotations

import http.client
import importlib
import json
import resource
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

from benchmarks.common import LOOPBACK, LoadSpec, percentile


class _Work:
    """The shared request counter: hands out sequence numbers until the count or the deadline."""

    def __init__(self, total: int | None, deadline: float | None, start_at: int = 0) -> None:
        self.total = total
        self.deadline = deadline
        self.next = start_at
        self.start_at = start_at
        self.lock = threading.Lock()

    def take(self) -> int | None:
        """The next request's sequence number, or None when the run is over."""
        with self.lock:
            if self.total is not None and self.next - self.start_at >= self.total:
                return None
            if self.deadline is not None and time.perf_counter() >= self.deadline:
                return None
            n = self.next
            self.next += 1
            return n


def _body_builder(spec: LoadSpec):
    """A function n -> (body bytes or None, extra headers) for the spec."""
    if spec.body_factory:
        module_name, _, func_name = spec.body_factory.partition(":")
        factory = getattr(importlib.import_module(module_name), func_name)

        def build(n: int) -> tuple[bytes | None, dict[str, str]]:
            made = factory(n)
            headers: dict[str, str] = {}
            if isinstance(made, tuple):
                made, headers = made
            if isinstance(made, dict | list):
                made = json.dumps(made)
            return (made.encode() if isinstance(made, str) else made), headers

        return build
    if spec.body_template is not None:
        template = spec.body_template

        def build(n: int) -> tuple[bytes | None, dict[str, str]]:
            text = template.replace("{{n}}", str(n)).replace("{{uuid}}", uuid.uuid4().hex)
            return text.encode(), {}

        return build
    fixed = spec.body.encode() if spec.body is not None else None
    return lambda n: (fixed, {})


def _client(
    host: str,
    port: int,
    spec: LoadSpec,
    work: _Work,
    build,
    latencies: list[float],
    statuses: Counter,
    errors: list[str],
) -> None:
    """One client: requests in a loop on one keep-alive connection, recording latency and status."""
    conn = http.client.HTTPConnection(host, port, timeout=spec.timeout)
    base_headers = dict(spec.headers)
    if spec.json:
        base_headers.setdefault("Content-Type", "application/json")
    expected = set(spec.expect_status)
    while (n := work.take()) is not None:
        body, extra = build(n)
        headers = {**base_headers, **extra}
        started = time.perf_counter()
        try:
            conn.request(spec.method, spec.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            latencies.append(elapsed)
            statuses[str(response.status)] += 1
            if response.status not in expected and len(errors) < 5:
                errors.append(f"status {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            statuses["connection_error"] += 1
            if len(errors) < 5:
                errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()  # the next request reopens it
    conn.close()


def _phase(
    host: str, port: int, spec: LoadSpec, work: _Work, build
) -> tuple[list[float], Counter, list[str], float]:
    """Run all clients until `work` runs out; return latencies, statuses, error samples, seconds."""
    latencies: list[float] = []  # list.append is atomic under the GIL
    statuses: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    status_parts: list[Counter] = []

    def worker() -> None:
        mine: Counter = Counter()
        _client(host, port, spec, work, build, latencies, mine, errors)
        with lock:
            status_parts.append(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for part in status_parts:
        statuses.update(part)
    return latencies, statuses, errors, elapsed


def main() -> None:
    """Read the spec, warm up, run the measured phase, print the result as JSON."""
    raw: dict[str, Any] = json.load(sys.stdin)
    host, port = raw.pop("host"), int(raw.pop("port"))
    if host not in LOOPBACK:
        raise SystemExit("loopback only")
    spec = LoadSpec(**raw)
    spec.validate()
    build = _body_builder(spec)
    if spec.warmup_requests:
        _phase(host, port, spec, _Work(spec.warmup_requests, None), build)
    # measured requests continue the numbering, so templated nonces never repeat a warm-up's
    start_at = spec.warmup_requests
    deadline = None if spec.duration is None else time.perf_counter() + spec.duration
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    latencies, statuses, errors, elapsed = _phase(
        host, port, spec, _Work(spec.requests, deadline, start_at), build
    )
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    ok = sum(
        count for status, count in statuses.items() if status.isdigit() and int(status) in spec.expect_status
    )
    total = sum(statuses.values())
    millis = [x * 1000 for x in latencies] or [0.0]
    result = {
        "label": spec.label or f"{spec.method} {spec.path}",
        "clients": spec.clients,
        "requests": total,
        "errors": total - ok,
        "statuses": dict(sorted(statuses.items())),
        "duration_s": elapsed,
        "throughput_rps": ok / elapsed if elapsed else 0.0,
        "p50_ms": percentile(millis, 50),
        "p95_ms": percentile(millis, 95),
        "p99_ms": percentile(millis, 99),
        "max_ms": max(millis),
        "mean_ms": sum(millis) / len(millis),
        "client_cpu_s": cpu,
        "error_samples": errors,
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
