"""Helpers for benchmark writers: timing, percentiles, machine facts, processes, HTTP load.

HTTP benchmarks: start the app under gunicorn on a free loopback port (`GunicornServer`), then
drive it from a *second* process (`run_load`, which runs `benchmarks.loadgen`: threads with
keep-alive `http.client` connections) for a fixed number of requests or a fixed duration.
The framework floor to compare against is the existing `/readyz` route (a one-row `SELECT` of the schema revision behind the
full middleware stack); we add no route to the app for benchmarks. `compare_with_floor` runs
both with the same clients and reports the ratio.

Everything is bounded: at most MAX_CLIENTS clients, MAX_REQUESTS requests, MAX_DURATION seconds
per run, and only loopback addresses.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_CLIENTS = 256
MAX_REQUESTS = 200_000
MAX_DURATION = 120.0


# --------------------------------------------------------------------------- statistics, timing


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError("p must lie in 0..100")
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """n, min, median, mean, p95 and max of a list of samples."""
    return {
        "n": len(samples),
        "min": min(samples),
        "median": statistics.median(samples),
        "mean": statistics.fmean(samples),
        "p95": percentile(samples, 95),
        "max": max(samples),
    }


@dataclass
class Timings:
    """Wall-clock and CPU seconds of each measured call."""

    wall: list[float]
    cpu: list[float]


def time_repeated(func: Callable[[], Any], *, repeat: int = 10, warmup: int = 1) -> Timings:
    """Call `func` `warmup` times unmeasured, then `repeat` times measuring wall and process CPU time.

    CPU time is reported beside wall time because the machines we run on are shared: CPU time
    is much less disturbed by other processes than wall time.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        func()
    wall, cpu = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        func()
        w1, c1 = time.perf_counter(), time.process_time()
        wall.append(w1 - w0)
        cpu.append(c1 - c0)
    return Timings(wall, cpu)


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a table: '12.3 ms'."""
    return f"{seconds * 1000:.1f} ms"


def mib(n_bytes: float) -> str:
    """Bytes as MiB for a table: '45.2 MiB'."""
    return f"{n_bytes / 1024 / 1024:.1f} MiB"


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (numbers right-aligned)."""
    rows = [[str(cell) for cell in row] for row in rows]
    align = []
    for i in range(len(headers)):
        column = [r[i] for r in rows]
        numeric = column and all(c[:1].isdigit() or c[:1] == "-" for c in column)
        align.append("---:" if numeric else "---")
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (how busy the shared machine was)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and OS of this machine, read from /proc and the platform."""
    cpuinfo = _read("/proc/cpuinfo")
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    meminfo = _read("/proc/meminfo")
    ram_kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    os_release = _read("/etc/os-release")
    pretty = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in os_release.splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        "",
    )
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return {
        "cpu": model,
        "cores": os.cpu_count() or 0,
        "usable_cores": usable,
        "ram_gib": round(ram_kib / 1024 / 1024, 1),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{pretty} ({platform.system()} {platform.release()})" if pretty else platform.platform(),
    }


def machine_line(info: Mapping[str, Any] | None = None) -> str:
    """The machine in one line, for a section's run stamp."""
    info = info or machine_info()
    return f"{info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, {info['python']}, {info['os']}"


# --------------------------------------------------------------------------- processes


@dataclass
class ProcessStats:
    """How a finished subprocess went: exit code, output, peak RSS, wall and CPU seconds."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss_bytes: int
    wall_seconds: float
    cpu_seconds: float
    timed_out: bool = False


def run_with_peak_rss(
    cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = ROOT, timeout: float = 1800
) -> ProcessStats:
    """Run `cmd` to completion and report its peak resident memory (from wait4's rusage).

    The process gets its own session so that, on timeout, its whole group (it and anything it
    started) is killed, by its id. Output goes to temporary files, so a chatty child never blocks.
    Linux reports the peak of the child and of any descendant it waited for.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, _kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return ProcessStats(
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            peak_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            timed_out=timed_out.is_set(),
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for running the app against `database_url` (a fixed secret, so nothing is written)."""
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "HARKOP_SECRET_KEY": "benchmark-only-secret-key"})
    env.update(extra or {})
    return env


def migrate_database(database_url: str, *, timeout: float = 300) -> None:
    """Build the schema in `database_url` with the project's migrations (`flask db upgrade`)."""
    result = run_with_peak_rss(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env=app_env(database_url), timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"db upgrade failed:\n{result.stderr[-2000:]}")


def _process_memory(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) in bytes of one process, from /proc/<pid>/status."""
    rss = peak = 0
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
    return rss, peak


def children(pid: int) -> list[int]:
    """The ids of the direct children of `pid` (scanning /proc, which every Linux has)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        # the command name may contain spaces or parentheses: the fields after the last ')' are safe
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid):
            kids.append(int(entry.name))
    return kids


def established_by_process(port: int, pids: Iterable[int]) -> dict[int, int]:
    """How many established TCP connections on local `port` each of `pids` holds (read from /proc).

    A connection belongs to the process that has its socket open; a socket shared by several of
    `pids` (inherited, not yet closed) counts for each. Processes that are gone count 0.
    """
    inodes: set[int] = set()  # the sockets of established connections on that port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in _read(table).splitlines()[1:]:
            fields = line.split()
            if len(fields) < 10:
                continue
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: TCP_ESTABLISHED
                inodes.add(int(fields[9]))
    counts = {}
    for pid in pids:
        held = 0
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            counts[pid] = 0
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                held += 1
        counts[pid] = held
    return counts


class GunicornServer:
    """The app under `.venv/bin/gunicorn` on a free loopback port; a context manager.

    `workers` processes with `threads` threads each (gthread when threads > 1, which also keeps
    connections alive). `env` is added to the environment (DATABASE_URL via `database_url`).
    """

    def __init__(
        self,
        *,
        database_url: str,
        workers: int = 2,
        threads: int = 1,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        startup_timeout: float = 60,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.env = app_env(database_url, env)
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> str:
        """The server's shape for a report: 'gunicorn, 2 workers × 4 threads (gthread)'."""
        kind = "gthread" if self.threads > 1 else "sync"
        return f"gunicorn, {self.workers} workers × {self.threads} threads ({kind})"

    def start(self) -> GunicornServer:
        """Start gunicorn and wait until /readyz answers 200."""
        cmd = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--log-level",
            "warning",
            "--error-logfile",
            self._log.name,
            "--chdir",
            str(ROOT),
            *self.extra_args,
            "wsgi:app",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"gunicorn did not answer /readyz within {self.startup_timeout} s:\n{self.log_tail()}"
        )

    def memory(self) -> dict[str, int]:
        """Current and peak RSS in bytes of the master and its workers, summed."""
        if self.proc is None:
            return {"rss": 0, "peak": 0}
        pids = [self.proc.pid, *children(self.proc.pid)]
        pairs = [_process_memory(pid) for pid in pids]
        return {"rss": sum(p[0] for p in pairs), "peak": sum(p[1] for p in pairs), "processes": len(pids)}

    def connections_per_worker(self) -> list[int]:
        """Established client connections held by each worker, largest first: how clients were split."""
        if self.proc is None:
            return []
        counts = established_by_process(self.port, children(self.proc.pid))
        return sorted(counts.values(), reverse=True)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of gunicorn's log."""
        return _read(self._log.name)[-chars:]

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM to the master we started), forcefully after 20 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- load generator


@dataclass
class LoadSpec:
    """One load run: what to request, with how many concurrent clients, for how long.

    Give `requests` (a fixed count, shared by all clients) or `duration` (seconds). A request body
    is either `body` (sent as is), `body_template` (a string in which every `{{n}}` becomes the
    request's sequence number and `{{uuid}}` a fresh random hex id: unique nonces per request),
    or `body_factory`, "package.module:function" called as function(n) in the load process and
    returning bytes/str, a dict (sent as JSON), or (body, extra headers). `json=True` adds
    `Content-Type: application/json`. Only `expect_status` counts as success.
    """

    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    body_template: str | None = None
    body_factory: str | None = None
    json: bool = False
    clients: int = 8
    requests: int | None = None
    duration: float | None = None
    warmup_requests: int = 50
    expect_status: list[int] = field(default_factory=lambda: [200])
    timeout: float = 30.0
    label: str = ""

    def validate(self) -> None:
        """Refuse runs that are unbounded or too big."""
        if (self.requests is None) == (self.duration is None):
            raise ValueError("give exactly one of requests or duration")
        if not 1 <= self.clients <= MAX_CLIENTS:
            raise ValueError(f"clients must lie in 1..{MAX_CLIENTS}")
        if self.requests is not None and not 1 <= self.requests <= MAX_REQUESTS:
            raise ValueError(f"requests must lie in 1..{MAX_REQUESTS}")
        if self.duration is not None and not 0 < self.duration <= MAX_DURATION:
            raise ValueError(f"duration must lie in (0, {MAX_DURATION}] seconds")
        if not 0 <= self.warmup_requests <= MAX_REQUESTS:
            raise ValueError("warmup_requests out of range")
        if sum(x is not None for x in (self.body, self.body_template, self.body_factory)) > 1:
            raise ValueError("give at most one of body, body_template, body_factory")
        if not self.path.startswith("/"):
            raise ValueError("path must start with /")


@dataclass
class LoadResult:
    """What a load run measured, from the client's side."""

    label: str
    clients: int
    requests: int  # completed measured requests (successes + unexpected statuses)
    errors: int  # unexpected statuses and connection failures
    statuses: dict[str, int]
    duration_s: float
    throughput_rps: float  # successful requests per second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    client_cpu_s: float  # CPU the load process used: near duration × 1 core means the client saturated
    error_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result as plain data."""
        return asdict(self)


def run_load(port: int, spec: LoadSpec, *, host: str = "127.0.0.1") -> LoadResult:
    """Drive `spec` against host:port from a second process (`python -m benchmarks.loadgen`)."""
    if host not in LOOPBACK:
        raise ValueError("the load generator only targets loopback addresses")
    spec.validate()
    payload = {"host": host, "port": port, **asdict(spec)}
    limit = (spec.duration or 0) + 120 + (spec.requests or 0) * spec.timeout / max(spec.clients, 1)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=min(limit, MAX_DURATION * 3 + 600),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{proc.stderr.decode(errors='replace')[-3000:]}")
    return LoadResult(**json.loads(proc.stdout))


def load_table(results: Sequence[LoadResult]) -> str:
    """Load results as a markdown table."""
    return md_table(
        ["run", "clients", "requests", "errors", "req/s", "p50", "p95", "p99", "max", "client CPU"],
        [
            [
                r.label,
                r.clients,
                r.requests,
                r.errors,
                f"{r.throughput_rps:.0f}",
                f"{r.p50_ms:.1f} ms",
                f"{r.p95_ms:.1f} ms",
                f"{r.p99_ms:.1f} ms",
                f"{r.max_ms:.1f} ms",
                f"{r.client_cpu_s:.1f} s / {r.duration_s:.1f} s",
            ]
            for r in results
        ],
    )


FLOOR_PATH = "/readyz"


def compare_with_floor(
    port: int, target: LoadSpec, *, floor_path: str = FLOOR_PATH
) -> tuple[LoadResult, LoadResult, float]:
    """Run the framework floor (`/readyz`: a one-row SELECT through the full stack) then `target`, same clients.

    Returns (floor, target, target throughput ÷ floor throughput).
    """
    floor_spec = LoadSpec(
        path=floor_path,
        clients=target.clients,
        requests=target.requests,
        duration=target.duration,
        warmup_requests=target.warmup_requests,
        timeout=target.timeout,
        label=f"floor {floor_path}",
    )
    floor = run_load(port, floor_spec)
    measured = run_load(port, target)
    ratio = measured.throughput_rps / floor.throughput_rps if floor.throughput_rps else 0.0
    return floor, measured, ratio
