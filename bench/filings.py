"""Throughput and latency of POST /api/v1/filings against the real service, per database backend.

For each backend (a SQLite file in a temp dir; a fresh `jibao_bench_<random>` database on the
local PostgreSQL, dropped afterwards) this script migrates the database, seeds an office with 32
units (one token each), starts `python -m alerts serve` as a separate process on a loopback port
with a temporary copy of config.toml pointing at that database, and waits for /healthz. It then
drives the service from this process with 32 concurrent aiohttp clients, each posting complete
`initial` filings as its own unit (occurred a minute ago, distinct external_ref), for a short
warm-up and then `--seconds` of measurement. It prints requests, 201s, other answers (with the
first error body), filings/s and latency percentiles, checks that the filings table holds exactly
one row per 201, and stops the server with SIGTERM.

In the same run, on a database of its own, it then drives the stack's limit the same way: a bare
FastAPI + SQLAlchemy app (bench/bare_app.py) that looks up the token and stores each body as one
row with the same durability setting. `limit ratio: X.XX` is Jibao's filings/s over the bare
app's, per backend and number of processes (`--processes`, PostgreSQL only above 1: both run as
that many worker processes sharing the port).

    .venv/bin/python bench/filings.py                       # both backends, 20 s each
    .venv/bin/python bench/filings.py --backends sqlite --seconds 10
    .venv/bin/python bench/filings.py --backends postgres --processes 1,2

Targets: limit ratio >= 0.70 with p99 <= 100 ms; two processes >= 1.8x one on PostgreSQL.
Everything is loopback only and bounded in time; the exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from bare_app import prepare, stored_rows  # bench/ is on sys.path when run as a script
from figures import Figure, write_figures
from sqlalchemy import func, select

from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.models import Filing
from alerts.storage.queries import add_token, add_unit

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.toml"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"
UNITS = 32
REQUEST_TIMEOUT_S = 10.0
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 15.0
TARGET_RATIO = 0.70
TARGET_P99_MS = 100.0
TARGET_SCALING = 1.8  # two processes against one, PostgreSQL
SECRET_KEY = "bench-" + "k" * 32  # several workers must sign links alike


class BackendUnavailable(Exception):
    """The backend cannot be benchmarked here (e.g. PostgreSQL is not reachable)."""


@dataclass
class Tally:
    """What the clients saw. Only requests started after the warm-up count as measured."""

    sent: int = 0
    created: int = 0
    other: int = 0
    first_error: str | None = None
    latencies_ms: list[float] = field(default_factory=list)
    warmup_sent: int = 0
    warmup_created: int = 0
    elapsed_s: float = 0.0
    server_cpu_s: float | None = None  # whole run, warm-up included
    client_cpu_s: float = 0.0  # this process (the load generator), warm-up included

    def record(self, status: int, text: str, latency_ms: float, measured: bool) -> None:
        """Count one answer (status 0: no HTTP answer at all, `text` says why)."""
        if not measured:
            self.warmup_sent += 1
            self.warmup_created += status == 201
            if status != 201 and self.first_error is None:
                self.first_error = f"(warm-up) HTTP {status}: {text[:500]}"
            return
        self.sent += 1
        self.latencies_ms.append(latency_ms)
        if status == 201:
            self.created += 1
            return
        self.other += 1
        if self.first_error is None:
            self.first_error = f"HTTP {status}: {text[:500]}"


@dataclass
class Result:
    """One server's figures and checks: Jibao or the bare app, on one backend."""

    backend: str
    app: str  # "jibao" or "bare"
    processes: int
    tally: Tally
    rows: int
    server_exit: int | None

    @property
    def label(self) -> str:
        return f"{self.backend} {self.app} x{self.processes}"

    @property
    def rate(self) -> float:
        return self.tally.created / self.tally.elapsed_s if self.tally.elapsed_s else 0.0

    @property
    def all_created(self) -> int:
        return self.tally.created + self.tally.warmup_created

    @property
    def rows_ok(self) -> bool:
        return self.rows == self.all_created

    @property
    def ok(self) -> bool:
        """Every request answered 201, one row per 201, and the server stopped cleanly."""
        t = self.tally
        clean = t.other == 0 and t.warmup_created == t.warmup_sent
        return clean and self.rows_ok and self.stopped_cleanly

    def cpu_ms_per_request(self, seconds: float | None) -> str:
        requests = self.tally.sent + self.tally.warmup_sent
        return f"{seconds / requests * 1000:.2f} ms" if seconds is not None and requests else "-"

    @property
    def stopped_cleanly(self) -> bool:
        """uvicorn re-raises a captured SIGTERM after its graceful shutdown, so -15 is clean."""
        return self.server_exit in (0, -signal.SIGTERM)


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def bench_database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database for `backend`; yields its URL and removes it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
    elif backend == "postgres":
        with postgres_database() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """CREATE DATABASE jibao_bench_<random> on the local server; DROP it on the way out."""
    name = f"jibao_bench_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise BackendUnavailable(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}") from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_county(url: str) -> list[str]:
    """Office `county` and units u01..u32 below it; the units' bearer tokens."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            office = add_unit(
                session, code="county", name="县政府总值班室", parent=None, is_office=True, now=now
            )
            tokens = []
            for n in range(1, UNITS + 1):
                unit = add_unit(
                    session,
                    code=f"u{n:02d}",
                    name=f"第{n}镇",
                    parent=office,
                    is_office=False,
                    now=now,
                )
                tokens.append(add_token(session, unit=unit, label="bench", now=now))
            session.commit()
    finally:
        engine.dispose()
    return tokens


def count_filings(url: str) -> int:
    """Rows in the filings table, read through a separate connection."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Filing)) or 0
    finally:
        engine.dispose()


# --- the server process -------------------------------------------------------------------------


def write_config(url: str, workdir: Path) -> Path:
    """A copy of the shipped config.toml whose database_url is `url`."""
    text = CONFIG.read_text(encoding="utf-8")
    text, count = re.subn(
        r"^database_url\s*=.*$", f"database_url = {json.dumps(url)}", text, flags=re.M
    )
    if count != 1:
        raise RuntimeError(f"{CONFIG}: expected exactly one database_url line, found {count}")
    path = workdir / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running service process."""

    base_url: str
    pid: int


PORT = "{port}"  # in a server command: the port running_server picks
SERVE = ["--host", HOST, "--port", PORT, "--workers"]


def jibao_command(config: Path, processes: int) -> list[str]:
    """`python -m alerts serve` with `processes` workers."""
    return [
        sys.executable,
        "-m",
        "alerts",
        "--config",
        str(config),
        "serve",
        *SERVE,
        str(processes),
    ]


def bare_command(url: str, processes: int) -> list[str]:
    """The bare app (bench/bare_app.py) with `processes` workers."""
    return [sys.executable, "-m", "bench.bare_app", "--database-url", url, *SERVE, str(processes)]


@contextmanager
def running_server(
    command: list[str], workdir: Path, exit_codes: list[int | None]
) -> Iterator[Server]:
    """`command` (given the port) on a free loopback port; yields it, then stops it (SIGTERM)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("JIBAO_DATABASE_URL", "JIBAO_CONFIG")}
    env["JIBAO_SECRET_KEY"] = SECRET_KEY
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [str(port) if part == PORT else part for part in command]
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://{HOST}:{port}"
            wait_healthy(process, base_url, log_path)
            print(f"  server pid {process.pid} on {base_url}", flush=True)
            yield Server(base_url, process.pid)
        finally:
            exit_codes.append(stop_server(process))


def wait_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    """Poll /healthz until it answers 200; fail if the process dies or it takes too long."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT_S:.0f} s:\n{tail(log_path)}")


def stop_server(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM (uvicorn's graceful shutdown), then SIGKILL if it hangs; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print("  server did not stop in time: killed", flush=True)
            process.kill()
            process.wait(timeout=5)
    return process.returncode


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a process and its worker processes, from /proc (None
    where there is no /proc)."""
    stats = _proc_stats()
    if pid not in stats:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        fields = stats[current]
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += [child for child, f in stats.items() if int(f[1]) == current]
    return total


def _proc_stats() -> dict[int, list[str]]:
    """/proc/<pid>/stat of every process, split after the command name."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
    return stats


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file."""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


# --- the load -----------------------------------------------------------------------------------


def filing_body(ref: str) -> bytes:
    """A complete `initial` report of a III accident that happened a minute ago."""
    occurred = datetime.now(UTC) - timedelta(minutes=1)
    body: dict[str, Any] = {
        "kind": "initial",
        "external_ref": ref,
        "occurred_at": occurred.isoformat(),
        "learned_at": occurred.isoformat(),
        "category": "accident",
        "severity": "III",
        "sensitive": False,
        "classified": False,
        "title": "千岛湖镇某工地脚手架坍塌",
        "location": {"area": "千岛湖镇", "address": "新安东路工地"},
        "description": "脚手架坍塌，多人被困",
        "extent": "影响范围限于工地，现场已控制",
        "casualties": {"dead": 0, "missing": 0, "seriously_injured": 1, "injured": 3, "trapped": 0},
        "direct_loss_wan_yuan": 12.5,
        "measures": "消防、医疗已到场",
        "leaders_informed": "镇长在现场指挥",
        "already_reported_to": [
            {
                "to": "县应急管理局",
                "at": (occurred + timedelta(seconds=30)).isoformat(),
                "level": "county",
            }
        ],
        "signed_by": "李四",
        "reporter": {"name": "张三", "post": "党政办值班员", "phone": "13800000000"},
    }
    return json.dumps(body, ensure_ascii=False).encode()


async def post_filing(
    session: aiohttp.ClientSession, url: str, token: str, body: bytes
) -> tuple[int, str]:
    """POST one filing; (status, body text). Status 0 means no HTTP answer."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        async with session.post(url, data=body, headers=headers) as response:
            if response.status == 201:
                await response.read()
                return 201, ""
            return response.status, await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, repr(exc)


async def client(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    name: str,
    tally: Tally,
    measure_from: float,
    stop_at: float,
) -> None:
    """One unit filing back to back until `stop_at`; requests started before `measure_from`
    are warm-up."""
    n = 0
    while (started := time.perf_counter()) < stop_at:
        n += 1
        status, text = await post_filing(session, url, token, filing_body(f"BENCH-{name}-{n}"))
        latency_ms = (time.perf_counter() - started) * 1000
        tally.record(status, text, latency_ms, measured=started >= measure_from)


async def drive(base_url: str, tokens: list[str], warmup_s: float, seconds: float) -> Tally:
    """Run one client per token for warm-up plus `seconds`; the tally of measured requests."""
    tally = Tally()
    url = f"{base_url}/api/v1/filings"
    measure_from = time.perf_counter() + warmup_s
    stop_at = measure_from + seconds
    connector = aiohttp.TCPConnector(limit=len(tokens))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        clients = [
            client(session, url, token, f"{i:02d}", tally, measure_from, stop_at)
            for i, token in enumerate(tokens, start=1)
        ]
        await asyncio.wait_for(asyncio.gather(*clients), warmup_s + seconds + 2 * REQUEST_TIMEOUT_S)
    tally.elapsed_s = time.perf_counter() - measure_from
    return tally


def measure(server: Server, tokens: list[str], args: argparse.Namespace) -> Tally:
    """Drive the server and note the CPU time it and this process spent meanwhile."""
    print(
        f"  {len(tokens)} clients: {args.warmup:g} s warm-up, {args.seconds:g} s measured",
        flush=True,
    )
    server_before, client_before = cpu_seconds(server.pid), time.process_time()
    tally = asyncio.run(drive(server.base_url, tokens, args.warmup, args.seconds))
    server_after = cpu_seconds(server.pid)
    if server_before is not None and server_after is not None:
        tally.server_cpu_s = server_after - server_before
    tally.client_cpu_s = time.process_time() - client_before
    return tally


# --- reporting ----------------------------------------------------------------------------------


def percentiles(latencies_ms: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max in ms (NaN when there is nothing to measure)."""
    if len(latencies_ms) < 2:
        nan = float("nan")
        return {"p50": nan, "p90": nan, "p99": nan, "max": max(latencies_ms, default=nan)}
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(latencies_ms)}


def print_result(result: Result, seconds: float) -> None:
    """A small table of one server's figures and checks."""
    t = result.tally
    p = percentiles(t.latencies_ms)
    rows = [
        ("requests sent", f"{t.sent}"),
        ("201 Created", f"{t.created}"),
        ("other answers", f"{t.other}"),
        ("filings/s", f"{result.rate:,.0f}  (over {t.elapsed_s:.1f} s; --seconds {seconds:g})"),
        *((f"latency {k}", f"{v:.1f} ms") for k, v in p.items()),
        (
            "stored rows",
            f"{result.rows} ({'=' if result.rows_ok else '!='} "
            f"{result.all_created} 201s incl. warm-up)",
        ),
        ("server CPU", f"{result.cpu_ms_per_request(t.server_cpu_s)} per request"),
        ("client CPU", f"{result.cpu_ms_per_request(t.client_cpu_s)} per request"),
        (
            "server exit",
            f"{result.server_exit} ({'clean' if result.stopped_cleanly else 'NOT clean'})",
        ),
    ]
    print(f"\n  {result.label}")
    for label, value in rows:
        print(f"  {label:<16} {value}")
    if t.first_error:
        print(f"  first error      {t.first_error}")
    print(flush=True)


def print_ratio(jibao: Result, bare: Result) -> bool:
    """`limit ratio: X.XX` for one backend and process count; whether the target is met."""
    ratio = jibao.rate / bare.rate if bare.rate else 0.0
    p99 = percentiles(jibao.tally.latencies_ms)["p99"]
    met = ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS
    print(
        f"  limit ratio: {ratio:.2f}  ({jibao.backend}, {jibao.processes} process(es): "
        f"Jibao {jibao.rate:,.0f}/s p99 {p99:.1f} ms, bare {bare.rate:,.0f}/s; target "
        f"{'met' if met else 'NOT met'}: >= {TARGET_RATIO:.2f} with p99 <= {TARGET_P99_MS:.0f} ms)",
        flush=True,
    )
    return met


def ratio_figures(jibao: Result, bare: Result) -> list[Figure]:
    """The limit ratio and Jibao's p99, for bench/report.py."""
    where = f"{jibao.backend}, {jibao.processes} process{'es' if jibao.processes > 1 else ''}"
    p99 = percentiles(jibao.tally.latencies_ms)["p99"]
    return [
        Figure("filings", where, "filings/s", jibao.rate, "/s", bare.rate, "bare app", True,
               TARGET_RATIO),
        Figure("filings", where, "filing p99", p99, "ms", TARGET_P99_MS, "target", False),
    ]  # fmt: skip


# --- main ---------------------------------------------------------------------------------------


def run_server(backend: str, app: str, processes: int, args: argparse.Namespace) -> Result:
    """Database, seed, server, load, count, stop: one server on one backend end to end."""
    with tempfile.TemporaryDirectory(prefix=f"jibao-bench-{backend}-{app}-") as tmp:
        workdir = Path(tmp)
        with bench_database(backend, workdir) as url:
            if app == "jibao":
                migrate(url)
                tokens = seed_county(url)
                command = jibao_command(write_config(url, workdir), processes)
            else:
                tokens = [secrets.token_hex(16) for _ in range(UNITS)]
                prepare(url, tokens)
                command = bare_command(url, processes)
            exit_codes: list[int | None] = []
            with running_server(command, workdir, exit_codes) as server:
                tally = measure(server, tokens, args)
            rows = count_filings(url) if app == "jibao" else stored_rows(url)
            code = exit_codes[0] if exit_codes else None
            return Result(backend, app, processes, tally, rows, code)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured duration per server")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before that")
    parser.add_argument(
        "--processes",
        default="1,2",
        help="comma-separated worker process counts; above 1 for PostgreSQL only (default 1,2)",
    )
    parser.add_argument("--json", type=Path, help="write the headline figures to this file")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    try:
        args.processes = sorted({int(n) for n in args.processes.split(",") if n.strip()})
    except ValueError:
        parser.error("--processes takes numbers, e.g. 1,2")
    if not args.processes or min(args.processes) < 1:
        parser.error("--processes takes numbers from 1, e.g. 1,2")
    return args


def print_summary(results: list[Result]) -> None:
    """One line per server, for comparing runs."""
    print(
        f"{'server':<22}{'sent':>8}{'201':>8}{'other':>7}{'filings/s':>11}"
        f"{'p50':>8}{'p99':>8}{'CPU/req':>10}  rows=201s"
    )
    for r in results:
        p = percentiles(r.tally.latencies_ms)
        print(
            f"{r.label:<22}{r.tally.sent:>8}{r.tally.created:>8}{r.tally.other:>7}"
            f"{r.rate:>11,.0f}{p['p50']:>8.1f}{p['p99']:>8.1f}"
            f"{r.cpu_ms_per_request(r.tally.server_cpu_s):>10}  {'yes' if r.rows_ok else 'NO'}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Result] = []
    figures: list[Figure] = []
    failed = False
    for backend in args.backends:
        counts = args.processes if backend == "postgres" else [1]
        by_count: dict[int, Result] = {}
        for processes in counts:
            print(f"== {backend}, {processes} process(es)", flush=True)
            try:
                pair = [run_server(backend, app, processes, args) for app in ("jibao", "bare")]
            except BackendUnavailable as exc:
                print(f"  skipped: {exc}\n", flush=True)
                break
            except (RuntimeError, OSError, psycopg.Error) as exc:
                print(f"  failed: {exc}\n", flush=True)
                failed = True
                continue
            for result in pair:
                print_result(result, args.seconds)
                failed |= not result.ok
            print_ratio(*pair)
            figures += ratio_figures(*pair)
            results += pair
            by_count[processes] = pair[0]
        if 1 in by_count and 2 in by_count and by_count[1].rate:
            scaling = by_count[2].rate / by_count[1].rate
            target = f"target >= {TARGET_SCALING:.1f}x"
            print(f"  two processes: {scaling:.2f}x one ({backend}; {target})\n", flush=True)
            figures.append(
                Figure("filings", backend, "two processes ÷ one", scaling, "×", TARGET_SCALING,
                       "target", True)
            )  # fmt: skip
    if results:
        print_summary(results)
    if args.json:
        write_figures(args.json, figures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
