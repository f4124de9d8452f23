"""Latency of the dashboard's Now page (值班台, `GET /`) and its live part (`GET /now/rows`) with a
county's worth of open incidents and a long timeline, per database backend.

For each backend (a SQLite file in a temp dir; a fresh `jibao_bench_<random>` database on the
local PostgreSQL, dropped afterwards) this script migrates the database and seeds: the office and
`--units` (50) townships, each with four people and a weekly duty-officer rotation and a daily
leader-on-duty rotation (so the board's "who must act" resolves); `--incidents` (1,000) open
incidents filed through the real filing path (`alerts.filing.intake.file_report`, complete
`initial` reports, occurred 5 minutes to 12 hours ago, so many follow-ups and upward reports are
overdue); then timeline events bulk-inserted with SQLAlchemy Core, copied from the events the
filings wrote, until the `events` table holds `--events` (1,000,000) rows spread over those
incidents. Seeding time is printed on its own.

It then starts the real service (`python -m alerts serve`, temp copy of config.toml,
JIBAO_SECRET_KEY set; the escalation engine runs as shipped, notifications dry-run), waits for
the engine's first look at the overdue obligations to end (`--settle`), adds a
`duty_room` account with `jibao user add` (password on stdin), signs in through the /login form
keeping the cookie, warms up, and requests `/` and `/now/rows` `--requests` (200) times each,
sequentially and then from 8 concurrent clients. Every answer must be 200 and contain the title
of the most overdue incident. Per path and mode it prints p50/p95/p99/max, the page size, the
server's CPU per request and `target met/NOT met (p95 <= 150 ms)`.

    .venv/bin/python bench/now_page.py                                  # both backends
    .venv/bin/python bench/now_page.py --backends sqlite --events 200000 --requests 50
    .venv/bin/python bench/now_page.py --backends sqlite --py-spy /tmp/now.txt

Everything is loopback only and bounded in time; the exit status is 1 when a check fails (an
answer other than 200, a page without the most overdue incident, a server that did not stop
cleanly), not when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from alerts.config import load_settings
from alerts.filing.intake import file_report
from alerts.filing.report import read_report
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.queries import add_unit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from figures import Figure, write_figures  # noqa: E402  (bench/ is on sys.path)
from filings import (  # noqa: E402  (bench/ is on sys.path when run as a script)
    CONFIG,
    HOST,
    BackendUnavailable,
    bench_database,
    cpu_seconds,
    jibao_command,
    running_server,
    write_config,
)

TARGET_P95_MS = 150.0
PATHS = ("/", "/now/rows")
CONCURRENT = 8
WARMUP = 10  # requests per path before measuring
EVENT_CHUNK = 10_000
FILING_BATCH = 50  # filings per commit while seeding
USERNAME, PASSWORD = "bench-duty", "bench-password-0123"
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Seeded:
    """What the seed made and what a real page must show."""

    incidents: int
    events: int
    title: str  # of the most overdue incident
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Run:
    """The answers to one path in one mode."""

    path: str
    mode: str
    latencies_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    bad: int = 0
    first_bad: str | None = None
    server_cpu_s: float | None = None
    elapsed_s: float = 0.0

    def record(self, response: httpx.Response, latency_ms: float, title: str) -> None:
        self.latencies_ms.append(latency_ms)
        self.sizes.append(len(response.content))
        if response.status_code != 200 or title not in response.text:
            self.bad += 1
            if self.first_bad is None:
                why = "no most-overdue title" if response.status_code == 200 else "status"
                self.first_bad = f"HTTP {response.status_code} ({why}): {response.text[:300]}"


# --- seeding ------------------------------------------------------------------------------------


def seed(url: str, *, units: int, incidents: int, events: int) -> Seeded:
    """Office, units, people, rotations, filed incidents and the timeline; see the docstring."""
    settings = load_settings(CONFIG, environ={})
    engine = make_engine(url)
    seconds: dict[str, float] = {}
    try:
        sessions = make_session_factory(engine)
        started = time.perf_counter()
        with sessions() as session:
            filers = _county(session, units, datetime.now(UTC))
            session.commit()
            filer_ids = [u.id for u in filers]
        seconds["county"] = time.perf_counter() - started

        started = time.perf_counter()
        for first in range(0, incidents, FILING_BATCH):
            with sessions() as session:
                by_id = {u.id: u for u in session.scalars(select(m.Unit))}
                for n in range(first, min(first + FILING_BATCH, incidents)):
                    filer = by_id[filer_ids[n % len(filer_ids)]]
                    now = datetime.now(UTC)
                    body = read_report(_report(n, filer.name, now))
                    file_report(session, settings=settings, filer=filer, body=body, now=now)
                session.commit()
        seconds["filings"] = time.perf_counter() - started

        started = time.perf_counter()
        with engine.begin() as c:
            templates = [
                (kind, data) for kind, data in c.execute(select(m.Event.kind, m.Event.data))
            ]
            have = c.scalar(select(func.count()).select_from(m.Event)) or 0
            spans = [
                (i, occurred)
                for i, occurred in c.execute(
                    select(m.Incident.id, m.Incident.occurred_at).order_by(m.Incident.id)
                )
            ]
        _add_events(engine, templates, spans, max(events - have, 0))
        seconds["events"] = time.perf_counter() - started

        with sessions() as session:
            title = _most_overdue_title(session)
            total = session.scalar(select(func.count()).select_from(m.Event)) or 0
            count = session.scalar(select(func.count()).select_from(m.Incident)) or 0
    finally:
        engine.dispose()
    return Seeded(count, total, title, seconds)


def _county(session: Session, units: int, now: datetime) -> list[m.Unit]:
    """The office and `units` townships, each with two duty officers and two leaders taking
    turns (weekly and daily rotations, changing at 08:30, started two weeks ago); the units."""
    office = add_unit(
        session, code="county", name="县政府总值班室", parent=None, is_office=True, now=now
    )
    townships = [
        add_unit(
            session, code=f"t{n:02d}", name=f"第{n}镇", parent=office, is_office=False, now=now
        )
        for n in range(1, units + 1)
    ]
    start = now.date() - timedelta(days=14)
    for k, unit in enumerate([office, *townships]):
        people = [
            m.Person(
                unit_id=unit.id,
                name=f"{unit.name}{post}{i}",
                post=post,
                phone=f"13{k % 10}{k:04d}{j:04d}",
                email=f"p{k}-{j}@example.org",
                created_at=now,
            )
            for j, (post, i) in enumerate((("值班员", 1), ("值班员", 2), ("领导", 1), ("领导", 2)))
        ]
        session.add_all(people)
        session.flush()
        for role, cadence, members in (
            ("duty_officer", "week", people[:2]),
            ("leader_on_duty", "day", people[2:]),
        ):
            session.add(
                m.Rotation(
                    unit_id=unit.id,
                    role=role,
                    cadence=cadence,
                    starts_on=start,
                    ends_on=None,
                    changes_at=["08:30"],
                    members=[p.id for p in members],
                    holiday_members=[],
                    label="基准轮班",
                    created_at=now,
                )
            )
    session.flush()
    return townships


def _report(n: int, town: str, now: datetime) -> dict[str, Any]:
    """Incident n's complete `initial` report: occurred 5 min to 12 h ago (n spreads them)."""
    occurred = now - timedelta(minutes=5 + (n * 7919) % (12 * 60))
    return {
        "kind": "initial",
        "external_ref": f"NOW-{n:05d}",
        "occurred_at": occurred.isoformat(),
        "learned_at": (occurred + timedelta(minutes=2)).isoformat(),
        "category": "accident",
        "severity": ("III", "IV", "II")[n % 3],
        "sensitive": False,
        "classified": False,
        "title": f"{town}第{n:04d}号脚手架坍塌",
        "location": {"area": town, "address": f"新安东路{n}号工地"},
        "description": "脚手架坍塌，多人被困",
        "extent": "影响范围限于工地，现场已控制",
        "casualties": {"dead": 0, "missing": 0, "seriously_injured": 1, "injured": 3, "trapped": 0},
        "direct_loss_wan_yuan": 12.5,
        "measures": "消防、医疗已到场",
        "leaders_informed": "镇长在现场指挥",
        "already_reported_to": [],
        "signed_by": "李四",
        "reporter": {"name": "张三", "post": "党政办值班员", "phone": "13800000000"},
    }


def _add_events(
    engine: Any, templates: list[tuple[str, Any]], spans: list[tuple[int, datetime]], count: int
) -> None:
    """`count` events copied round-robin from `templates`, spread over the incidents, each at a
    moment between its incident's occurrence and now."""
    if not count or not templates or not spans:
        return
    now = datetime.now(UTC)
    with engine.begin() as c:
        for first in range(0, count, EVENT_CHUNK):
            rows = []
            for n in range(first, min(first + EVENT_CHUNK, count)):
                incident_id, occurred = spans[n % len(spans)]
                occurred = occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)
                kind, data = templates[n % len(templates)]
                at = occurred + (now - occurred) * ((n * 2654435761) % 1000 / 1000)
                rows.append({"incident_id": incident_id, "at": at, "kind": kind, "data": data})
            c.execute(insert(m.Event), rows)


def _most_overdue_title(session: Session) -> str:
    """The title of the open incident with the earliest still-owed due time: the board's first
    card."""
    found = session.execute(
        select(m.Incident.title)
        .join(m.Obligation, m.Obligation.incident_id == m.Incident.id)
        .where(m.Obligation.still_owed, m.Incident.state.not_in(("closed", "archived")))
        .order_by(m.Obligation.due_at, m.Obligation.id)
        .limit(1)
    ).scalar_one()
    return str(found)


def settle(url: str, limit_s: float) -> None:
    """Wait until the engine's first look at the overdue obligations is over (escalations and
    notifications unchanged for 3 s), at most `limit_s`, so that it does not load the server
    while the page is measured."""
    if limit_s <= 0:
        return
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        seen, still = (-1, -1), 0
        while still < 3 and time.perf_counter() - started < limit_s:
            time.sleep(1.0)
            with engine.connect() as c:
                now = (
                    c.scalar(select(func.count()).select_from(m.Escalation)) or 0,
                    c.scalar(select(func.count()).select_from(m.Notification)) or 0,
                )
            still = still + 1 if now == seen and now[0] else 0
            seen = now
    finally:
        engine.dispose()
    print(
        f"  engine settled after {time.perf_counter() - started:.0f} s: {seen[0]:,} escalations, "
        f"{seen[1]:,} notifications" + ("" if still >= 3 else " (still changing: --settle)"),
        flush=True,
    )


# --- the account and the session ----------------------------------------------------------------


def add_account(config: Path, workdir: Path) -> None:
    """`jibao user add` a duty_room account, the password on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "alerts", "--config", str(config), "user", "add"]
    command += ["--username", USERNAME, "--name", "基准值班员", "--role", "duty_room"]
    done = subprocess.run(
        command, input=PASSWORD + "\n", text=True, capture_output=True, cwd=workdir, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"jibao user add failed ({done.returncode}): {done.stderr.strip()}")


def signed_in(base_url: str) -> httpx.Client:
    """A client signed in through the /login form (CSRF token from the form, cookie kept)."""
    client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"GET /login: HTTP {form.status_code}, no CSRF token")
    data = {"username": USERNAME, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    answer = client.post("/login", data=data)
    if answer.status_code != 303:
        raise RuntimeError(f"POST /login: HTTP {answer.status_code}: {answer.text[:300]}")
    return client


# --- the load -----------------------------------------------------------------------------------


def timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(path)
    return response, (time.perf_counter() - started) * 1000


def sequential(client: httpx.Client, pid: int, path: str, requests: int, title: str) -> Run:
    run = Run(path, "sequential")
    before, started = cpu_seconds(pid), time.perf_counter()
    for _ in range(requests):
        run.record(*timed_get(client, path), title)
    run.elapsed_s = time.perf_counter() - started
    after = cpu_seconds(pid)
    run.server_cpu_s = after - before if before is not None and after is not None else None
    return run


def concurrent(clients: list[httpx.Client], pid: int, path: str, requests: int, title: str) -> Run:
    run = Run(path, f"{len(clients)} concurrent")
    share = [requests // len(clients) + (i < requests % len(clients)) for i in range(len(clients))]

    def one(client: httpx.Client, count: int) -> list[tuple[httpx.Response, float]]:
        return [timed_get(client, path) for _ in range(count)]

    before, started = cpu_seconds(pid), time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        for answers in pool.map(one, clients, share):
            for response, latency in answers:
                run.record(response, latency, title)
    run.elapsed_s = time.perf_counter() - started
    after = cpu_seconds(pid)
    run.server_cpu_s = after - before if before is not None and after is not None else None
    return run


@contextmanager
def py_spy(pid: int, out: str | None, backend: str) -> Iterator[None]:
    """py-spy record the server meanwhile (raw collapsed stacks), when asked and installed."""
    tool = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if out is None or not Path(tool).exists():
        if out is not None:
            print("  py-spy not found (.venv/bin/pip install py-spy): not profiling", flush=True)
        yield
        return
    path = f"{out}.{backend}.txt"
    command = [tool, "record", "--pid", str(pid), "--format", "raw", "-o", path, "--rate", "200"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
        spy.wait(timeout=30)
        print(f"  py-spy profile: {path}", flush=True)


def measure(base_url: str, pid: int, seeded: Seeded, args: argparse.Namespace) -> list[Run]:
    """Warm up, then each path sequentially and from CONCURRENT clients."""
    clients = [signed_in(base_url) for _ in range(CONCURRENT)]
    try:
        for path in PATHS:
            for _ in range(WARMUP):
                response, _ = timed_get(clients[0], path)
                if response.status_code != 200:
                    raise RuntimeError(f"warm-up GET {path}: HTTP {response.status_code}")
        runs = []
        with py_spy(pid, args.py_spy, args.current_backend):
            for path in PATHS:
                runs.append(sequential(clients[0], pid, path, args.requests, seeded.title))
            for path in PATHS:
                runs.append(concurrent(clients, pid, path, args.requests, seeded.title))
        return runs
    finally:
        for client in clients:
            client.close()


# --- reporting ----------------------------------------------------------------------------------


def cuts(latencies_ms: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max in ms."""
    if len(latencies_ms) < 2:
        nan = float("nan")
        return {"p50": nan, "p95": nan, "p99": nan, "max": max(latencies_ms, default=nan)}
    q = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": max(latencies_ms)}


def print_run(backend: str, run: Run) -> None:
    c = cuts(run.latencies_ms)
    size = statistics.mean(run.sizes) / 1024 if run.sizes else 0.0
    cpu = f"{run.server_cpu_s / len(run.latencies_ms) * 1000:.1f} ms" if run.server_cpu_s else "-"
    rate = len(run.latencies_ms) / run.elapsed_s if run.elapsed_s else 0.0
    met = "met" if c["p95"] <= TARGET_P95_MS else "NOT met"
    print(
        f"  {backend:<9}{run.path:<11}{run.mode:<14}{len(run.latencies_ms):>5}{run.bad:>5}"
        f"{c['p50']:>9.1f}{c['p95']:>9.1f}{c['p99']:>9.1f}{c['max']:>9.1f}"
        f"{size:>9.1f}{cpu:>10}{rate:>8.1f}  target {met} (p95 <= {TARGET_P95_MS:.0f} ms)",
        flush=True,
    )
    if run.first_bad:
        print(f"    first bad answer: {run.first_bad}", flush=True)


def run_figure(backend: str, run: Run) -> Figure:
    """p95 of one path and mode against the target, for bench/report.py."""
    name = f"{run.path} p95, {run.mode}"
    return Figure("now_page", backend, name, cuts(run.latencies_ms)["p95"], "ms", TARGET_P95_MS,
                  "target", False)  # fmt: skip


HEADER = (
    f"  {'backend':<9}{'path':<11}{'mode':<14}{'n':>5}{'bad':>5}{'p50 ms':>9}{'p95 ms':>9}"
    f"{'p99 ms':>9}{'max ms':>9}{'KiB':>9}{'CPU/req':>10}{'req/s':>8}"
)


# --- main ---------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace) -> tuple[list[Run], bool]:
    """Database, seed, server, account, load, stop; the runs and whether the server stopped
    cleanly."""
    with tempfile.TemporaryDirectory(prefix=f"jibao-bench-now-{backend}-") as tmp:
        workdir = Path(tmp)
        with bench_database(backend, workdir) as url:
            started = time.perf_counter()
            migrate(url)
            migrated = time.perf_counter() - started
            seeded = seed(url, units=args.units, incidents=args.incidents, events=args.events)
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in seeded.seconds.items())
            print(
                f"  seeded {seeded.incidents:,} incidents, {seeded.events:,} events in "
                f"{sum(seeded.seconds.values()):.1f} s ({parts}; migrate {migrated:.1f} s)",
                flush=True,
            )
            print(f"  most overdue: {seeded.title}", flush=True)
            config = write_config(url, workdir)
            add_account(config, workdir)
            exit_codes: list[int | None] = []
            with running_server(jibao_command(config, 1), workdir, exit_codes) as server:
                settle(url, args.settle)
                runs = measure(server.base_url, server.pid, seeded, args)
            clean = bool(exit_codes) and exit_codes[0] in (0, -15)
            if not clean:
                print(f"  server exit {exit_codes}: NOT clean", flush=True)
            return runs, clean


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--incidents", type=int, default=1000, help="open incidents to file")
    parser.add_argument("--events", type=int, default=1_000_000, help="timeline rows in total")
    parser.add_argument("--requests", type=int, default=200, help="per path and mode")
    parser.add_argument("--units", type=int, default=50, help="townships under the office")
    parser.add_argument(
        "--settle",
        type=float,
        default=120.0,
        help="at most this long, wait for the engine's first look to end (0: do not wait)",
    )
    parser.add_argument(
        "--py-spy", metavar="PREFIX", help="record the server to PREFIX.<backend>.txt"
    )
    parser.add_argument("--json", type=Path, help="write the headline figures to this file")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if min(args.incidents, args.requests, args.units) < 1 or args.events < 0:
        parser.error("--incidents, --requests and --units take numbers from 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    failed = False
    results: list[tuple[str, Run]] = []
    for backend in args.backends:
        print(f"== {backend} ({HOST})", flush=True)
        args.current_backend = backend
        try:
            runs, clean = run_backend(backend, args)
        except BackendUnavailable as exc:
            print(f"  skipped: {exc}\n", flush=True)
            continue
        except (RuntimeError, OSError, psycopg.Error, httpx.HTTPError) as exc:
            print(f"  failed: {exc}\n", flush=True)
            failed = True
            continue
        failed |= not clean or any(r.bad for r in runs)
        results += [(backend, r) for r in runs]
        print(HEADER)
        for run in runs:
            print_run(backend, run)
        print(flush=True)
    if results:
        print("summary")
        print(HEADER)
        for backend, run in results:
            print_run(backend, run)
    if args.json:
        write_figures(args.json, [run_figure(backend, run) for backend, run in results])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
