"""Escalation timeliness, a burst, outbox throughput and memory of the real service, per backend.

For each backend (a SQLite file in a temp dir; a fresh `jibao_bench_<random>` database on the
local PostgreSQL, dropped afterwards) this script migrates the database and bulk-inserts, with
SQLAlchemy Core, an office and `--units` units (each, and the office, with a duty officer and a
leader on duty on the roster, so it has no gaps) and `--obligations` open `initial`
obligations, one incident each, with `next_escalation_at` planned as the service's `_first_look`
plans it. The ladder is simplified to one step at the due time, to the unit's duty officer, by
SMS only: one message per step. A local Twilio stand-in (tests/notifiers/twilio_standin.py,
noting when each message arrives and which obligation its ack code names) receives the real
Twilio SMS notifier's requests.

Server A (`python -m alerts serve`, real APScheduler alarm, shipped sweep; throttle off unless
`--units 0` gives every due step a number of its own, when it stays as shipped):
  steady: `--rate` obligations fall due per second for `--seconds` (100/s for 30 s): the lag from
          each step's scheduled time to its message's arrival, and the steps never sent;
  burst:  `--burst` obligations due at one instant: the time until the last one arrives.
Server B (same database, `notifications.throttle = "0s"`): `--outbox` queued notification rows
due at one instant: messages/s to the stand-in. Peak RSS (VmHWM) of each server is read from /proc.

    .venv/bin/python bench/escalation.py                          # SQLite
    .venv/bin/python bench/escalation.py --backends sqlite,postgres --profile /tmp/prof

Targets: steady p99 < 0.5 s, max < 2 s, none skipped; burst of 10,000 all sent within 10 s;
outbox >= 1,000 messages/s; peak RSS < 250 MiB with 100,000 open obligations. Everything is
loopback only and bounded in time; the exit status is 1 when a check fails (a message sent twice,
a message before its time, a server that died or did not stop cleanly), not when a target is
missed.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from aiohttp import web
from sqlalchemy import Connection, Table, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from alerts.config import Settings, load_settings
from alerts.escalation.ladder import ack_code
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.render import About, Messages
from alerts.storage import models as m
from alerts.storage.database import make_engine, migrate
from rules.escalation import Policy, due_firings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the Twilio stand-in lives in tests/, which is not installed

from figures import Figure, write_figures  # noqa: E402  (bench/ is on sys.path)
from filings import (  # noqa: E402  (bench/ is on sys.path when run as a script)
    CONFIG,
    HOST,
    BackendUnavailable,
    bench_database,
    cpu_seconds,
    free_port,
    percentiles,
    stop_server,
    tail,
    wait_healthy,
)

from tests.notifiers.twilio_standin import TwilioStandIn  # noqa: E402

FROM_NUMBER = "+15005550006"
ROLES = (("139", "duty_officer"), ("138", "leader_on_duty"))  # phone prefix, role
ACK_CODE = re.compile(r'(?:收到|"1 )([0-9A-Z]+)[”"]')  # zh_CN and en sms.txt
CHUNK = 5_000  # rows per bulk insert
GRACE_S = 1.0  # keep listening this long after the last expected message, to catch doubles
TARGET_P99_S, TARGET_MAX_S, TARGET_BURST_S = 0.5, 2.0, 10.0
TARGET_RATE, TARGET_RSS_MIB = 1000.0, 250.0
BENCH_LADDER = """
[escalation]
ack_pause = "30m"

[[escalation.unit]]       # bench: one step at the due time, one recipient, SMS only
key = "due"
at = "0m"
notify = ["unit.duty_officer"]
channels = ["sms"]

[[escalation.office]]
key = "due"
at = "0m"
notify = ["office.duty_officer"]
channels = ["sms"]
"""


@dataclass(frozen=True)
class Arrival:
    """One message the stand-in accepted: to whom, about which obligation, when (time.time())."""

    to: str
    obligation: int | None  # from the ack code in the text (base 36 of the obligation id)
    at: float

    @property
    def keys(self) -> tuple[str, str]:
        """What due steps are keyed by: the number, or `o<obligation id>`."""
        return self.to, f"o{self.obligation}"


class TimedStandIn(TwilioStandIn):
    """The tests' Twilio stand-in, also noting the wall-clock arrival of every accepted message.

    Status callbacks are off unless asked for: real Twilio posts them, but here they would load
    the service with three requests per message that are not part of sending."""

    def __init__(self, callbacks: bool) -> None:
        super().__init__()
        self.callback_outcome.enabled = callbacks
        self.arrivals: list[Arrival] = []

    def _accept(self, resource: str, params: dict[str, list[str]], fault: Any) -> web.Response:
        arrived = time.time()
        answer = super()._accept(resource, params, fault)
        code = ACK_CODE.search(params["Body"][0])
        obligation = int(code.group(1), 36) if code else None
        with self._lock:
            self.arrivals.append(Arrival(params["To"][0], obligation, arrived))
        return answer

    def arrived(self) -> list[Arrival]:
        """Every (number, arrival time) so far."""
        with self._lock:
            return list(self.arrivals)


@dataclass(frozen=True)
class Workload:
    """How many obligations there are, and how many fall due when."""

    obligations: int
    rate: int
    seconds: float
    burst: int
    outbox: int
    units_asked: int  # 0: one unit (so one number) per due step

    @property
    def steady(self) -> int:
        """Obligations falling due at `rate` per second."""
        return int(self.rate * self.seconds)

    @property
    def units(self) -> int:
        """Units below the office, each with its own duty officer."""
        return self.units_asked or self.steady + self.burst

    @property
    def throttle_a(self) -> str | None:
        """Server A's throttle: as shipped when no number gets two due steps, else off (a
        throttle would bundle one number's steps by design, and lag would mean nothing)."""
        return None if self.units >= self.steady + self.burst else "0s"

    @property
    def later(self) -> int:
        """Open obligations due hours from now: they only have to be there."""
        return self.obligations - self.steady - self.burst


# --- the temp config ----------------------------------------------------------------------------


def write_config(
    workdir: Path, name: str, url: str, public_url: str, twilio: TwilioStandIn, throttle: str | None
) -> Path:
    """config.toml with this database and URL, the bench ladder, and SMS through the stand-in."""
    text = CONFIG.read_text(encoding="utf-8")
    for key, value in (("database_url", url), ("public_url", public_url)):
        text, count = re.subn(rf"^{key}\s*=.*$", f'{key} = "{value}"', text, flags=re.M)
        if count != 1:
            raise RuntimeError(f"{CONFIG}: expected exactly one {key} line, found {count}")
    head, found, ladders = text.partition("\n[escalation]\n")
    others = [h for h in re.findall(r"^\[+([^\]]+)\]+", ladders, re.M) if h != "escalation"]
    if (
        not found
        or any(not h.startswith("escalation.") for h in others)
        or "[notifications" in head
    ):
        raise RuntimeError(f"{CONFIG}: [escalation] is no longer last, or [notifications] exists")
    notifications = "\n[notifications]\n" + (f'throttle = "{throttle}"\n' if throttle else "")
    notifications += (
        f'\n[notifications.twilio]\naccount_sid = "{twilio.account_sid}"\n'
        f'from_number = "{FROM_NUMBER}"\napi_base_url = "{twilio.base_url}"\n'
    )
    path = workdir / f"config-{name}.toml"
    path.write_text(head + "\n" + notifications + BENCH_LADDER, encoding="utf-8")
    return path


def server_environ(twilio: TwilioStandIn) -> dict[str, str]:
    """This environment without JIBAO_*, plus the stand-in's auth token and a signing key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
    env["JIBAO_TWILIO_AUTH_TOKEN"] = twilio.auth_token
    env["JIBAO_SECRET_KEY"] = secrets.token_hex(16)
    return env


# --- seeding ------------------------------------------------------------------------------------


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk-insert `rows` in chunks; their new ids, in order."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids += connection.execute(statement, list(rows[start : start + CHUNK])).scalars().all()
    return ids


def table(model: type[m.Base]) -> Table:
    """A model's Core table."""
    return model.__table__  # type: ignore[return-value]


def seed_units(url: str, count: int, now: datetime) -> tuple[int, list[int]]:
    """The office and `count` units under it, each (the office too) with a duty officer and a
    leader on duty on shift from yesterday for 30 days, so the roster has no gaps; the office
    id and the unit ids."""
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            office = {"code": "county", "name": "县政府总值班室", "parent_id": None}
            (office_id,) = insert_rows(c, table(m.Unit), [office | unit_extra(True, now)])
            units = [
                {"code": f"b{n:05d}", "name": f"第{n}村", "parent_id": office_id}
                | unit_extra(False, now)
                for n in range(count)
            ]
            unit_ids = insert_rows(c, table(m.Unit), units)
            seed_roster(c, [office_id, *unit_ids], now)
    finally:
        engine.dispose()
    return office_id, unit_ids


def seed_roster(c: Connection, unit_ids: list[int], now: datetime) -> None:
    """One person per unit and role in ROLES, on an explicit shift; phones 139…, 138…"""
    people, shifts = [], []
    for n, unit_id in enumerate(unit_ids):
        for prefix, role in ROLES:
            people.append(
                {"unit_id": unit_id, "name": f"{role}{n}", "post": role}
                | {"phone": f"{prefix}{n:08d}", "email": None, "created_at": now}
            )
            shifts.append(
                {"unit_id": unit_id, "role": role}
                | {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30)}
            )
    for shift, person_id in zip(shifts, insert_rows(c, table(m.Person), people), strict=True):
        shift["person_id"] = person_id
    insert_rows(c, table(m.RosterShift), shifts)


def unit_extra(is_office: bool, now: datetime) -> dict[str, Any]:
    """The unit columns every seeded unit shares."""
    return {"is_office": is_office, "signing_secret": None, "require_signature": False} | {
        "created_at": now
    }


def first_look(policy: Policy, due_at: datetime, opened_at: datetime) -> datetime | None:
    """Where assessments._first_look puts a new unit obligation's first ladder look."""
    plan = due_firings(
        policy.unit, due_at=due_at, opened_at=opened_at, fired=(), acks=(),
        ack_pause=policy.ack_pause, now=opened_at,
    )  # fmt: skip
    return opened_at if plan.due else plan.next_at


def seed_obligations(
    url: str, office_id: int, owed: Sequence[tuple[int, datetime]], policy: Policy, now: datetime
) -> list[int]:
    """One open incident per (unit id, due time), each with one pending `initial` obligation,
    registered two hours before it is due (or now, if that is earlier); the obligation ids."""
    engine, ids = make_engine(url), []
    try:
        for start in range(0, len(owed), CHUNK):
            with engine.begin() as c:
                chunk = owed[start : start + CHUNK]
                opened = [min(due - timedelta(hours=2), now) for _, due in chunk]
                incidents = [
                    incident_row(office_id, unit_id, start + n, opened_at)
                    for n, ((unit_id, _), opened_at) in enumerate(zip(chunk, opened, strict=True))
                ]
                incident_ids = insert_rows(c, table(m.Incident), incidents)
                rows = [
                    obligation_row(incident_id, unit_id, due, opened_at, policy)
                    for incident_id, (unit_id, due), opened_at in zip(
                        incident_ids, chunk, opened, strict=True
                    )
                ]
                ids += insert_rows(c, table(m.Obligation), rows)
    finally:
        engine.dispose()
    return ids


def incident_row(office_id: int, unit_id: int, n: int, opened_at: datetime) -> dict[str, Any]:
    """An open grade III accident the office registered at `opened_at`."""
    return {
        "unit_id": unit_id, "office_id": office_id, "external_ref": f"BENCH-{n}",
        "title": f"第{n}号工地脚手架坍塌", "category": "accident", "severity": "III",
        "clock_severity": "III", "sensitive": False, "classified": False, "state": "open",
        "occurred_at": opened_at - timedelta(minutes=10), "created_at": opened_at,
        "updated_at": opened_at, "next_due_at": opened_at + timedelta(hours=2),
        "next_change_at": None, "flags": [],
    }  # fmt: skip


def obligation_row(
    incident_id: int, unit_id: int, due: datetime, opened_at: datetime, policy: Policy
) -> dict[str, Any]:
    """The unit's pending initial report, as the rules and `_first_look` would store it."""
    return {
        "incident_id": incident_id, "key": "initial", "kind": "initial", "party": "unit",
        "owed_by_unit_id": unit_id, "number": None, "anchor_at": due - timedelta(hours=2),
        "due_at": due, "status": "pending", "met_at": None, "met_by_filing_id": None,
        "late_minutes": None, "after_chasing": False, "grace_after_raise": False,
        "reason": None, "opened_at": opened_at, "updated_at": opened_at,
        "next_escalation_at": first_look(policy, due, opened_at),
    }  # fmt: skip


def seed_outbox(url: str, count: int, at: datetime, settings: Settings, now: datetime) -> set[str]:
    """`count` queued SMS rows, each to its own number, due at `at`; the numbers."""
    sample = sample_message(settings, now)
    numbers = [f"+86137{n:08d}" for n in range(count)]
    rows = [outbox_row(n, number, sample, at, now) for n, number in enumerate(numbers)]
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            insert_rows(c, table(m.Notification), rows)
    finally:
        engine.dispose()
    return set(numbers)


def outbox_row(
    n: int, number: str, sample: tuple[str, str, str], at: datetime, now: datetime
) -> dict[str, Any]:
    """A queued SMS row as the escalator writes one (no escalation behind it)."""
    subject, summary, body = sample
    return {
        "dedupe_key": f"bench-outbox:{n}", "escalation_id": None, "incident_id": None,
        "obligation_id": None, "person_id": None, "channel": "sms", "address": number,
        "subject": subject, "summary": summary, "body": body, "html": None,
        "ack_code": ack_code(n + 1), "state": "queued", "attempts": 0, "next_attempt_at": at,
        "claimed_until": None, "provider_id": None, "bundled_into_id": None,
        "last_error": None, "created_at": now, "sent_at": None, "delivered_at": None,
    }  # fmt: skip


def sample_message(settings: Settings, now: datetime) -> tuple[str, str, str]:
    """(subject, summary, body) of an SMS as the escalator renders it."""
    links = AckLinks("bench", settings.public_url, settings.notifications.ack_link_valid)
    about = About(
        unit_name="第1村", incident_title="第1号工地脚手架坍塌", obligation_kind="initial",
        number=None, due_at=now, now=now, classified=False, ack_code=ack_code(0),
        ack_url=links.url(0, None),
    )  # fmt: skip
    messages = Messages(
        settings.language, settings.rules.timezone, ack_pause=settings.escalation.ack_pause
    )
    sms = messages.render("sms", about)
    return sms.subject[:300], messages.render("summary", about).text[:300], sms.text


def analyze(url: str) -> None:
    """Planner statistics after the bulk load, as autovacuum would soon gather (PostgreSQL)."""
    if not url.startswith("postgres"):
        return
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def retire_leftovers(url: str) -> int:
    """Take what server A left unsent out of server B's way: due obligations stop escalating and
    their queued or claimed rows become `bench_retired` (A's figures already count them as never
    sent). The number of rows retired."""
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            o, n = table(m.Obligation), table(m.Notification)
            soon = datetime.now(UTC) + timedelta(hours=1)
            c.execute(
                update(o).where(o.c.next_escalation_at < soon).values(next_escalation_at=None)
            )
            waiting = n.c.state.in_(("queued", "sending"))
            return c.execute(update(n).where(waiting).values(state="bench_retired")).rowcount
    finally:
        engine.dispose()


def table_counts(url: str) -> dict[str, Any]:
    """Escalations stored, and notifications per state."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            fired = c.execute(select(func.count()).select_from(table(m.Escalation))).scalar_one()
            n = table(m.Notification)
            states = c.execute(select(n.c.state, func.count()).group_by(n.c.state)).all()
    finally:
        engine.dispose()
    return {"escalations": fired, **{state: count for state, count in states}}


# --- the server process -------------------------------------------------------------------------


@dataclass
class Service:
    """A running service process, ready since `ready_at` (time.time())."""

    process: subprocess.Popen[bytes]
    base_url: str
    ready_at: float

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None


@dataclass
class Run:
    """One backend's database, working directory, stand-in and options."""

    backend: str
    url: str
    workdir: Path
    twilio: TimedStandIn
    env: dict[str, str]
    args: argparse.Namespace
    exits: list[int | None] = field(default_factory=list)

    @property
    def workload(self) -> Workload:
        """The obligation counts asked for."""
        a = self.args
        return Workload(a.obligations, a.rate, a.seconds, a.burst, a.outbox, a.units)


@contextmanager
def serving(run: Run, config: Path, port: int, name: str) -> Iterator[Service]:
    """`python -m alerts serve` with `config` on `port`; yields it, then stops it (SIGTERM)."""
    command = [sys.executable, "-m", "alerts", "--config", str(config), "serve"]
    command += ["--host", HOST, "--port", str(port)]
    log_path = run.workdir / f"server-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=run.workdir, env=run.env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://{HOST}:{port}"
            wait_healthy(process, base_url, log_path)
            service = Service(process, base_url, time.time())
            if "channel sms has no credentials" in log_path.read_text(errors="replace"):
                raise RuntimeError(
                    f"SMS runs dry: the Twilio settings were not taken\n{tail(log_path)}"
                )
            print(f"  server {name}: pid {process.pid} on {base_url}", flush=True)
            profile = run.args.profile
            with profiled(process.pid, profile / f"{run.backend}-{name}.txt" if profile else None):
                yield service
        finally:
            run.exits.append(stop_server(process))
            if run.args.keep_logs:
                shutil.copy(log_path, Path(run.args.keep_logs) / f"{run.backend}-{name}.log")


@contextmanager
def profiled(pid: int, out: Path | None) -> Iterator[None]:
    """py-spy recording `pid` into `out` (raw collapsed stacks, idle frames and threads kept)."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(pid), "--rate", "100", "--idle", "--threads"]
    command += ["--nonblocking", "--format", "raw", "--output", str(out)]
    spying = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spying.send_signal(signal.SIGINT)  # py-spy writes its file and exits
        try:
            spying.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spying.kill()
            spying.wait(timeout=5)
        print(f"  profile: {out}", flush=True)


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process in MiB, from /proc (empty where there is none)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = (line.split() for line in lines if line.startswith(("VmRSS:", "VmHWM:")))
    return {f[0].rstrip(":"): int(f[1]) / 1024 for f in fields}


def wait_for(twilio: TimedStandIn, service: Service, keys: set[str], deadline: float) -> None:
    """Until every step has had its message (then GRACE_S more), the server dies, or `deadline`."""
    seen: set[str] = set()
    done = 0
    while time.time() < deadline and service.alive():
        arrivals = twilio.arrived()
        seen.update(key for arrival in arrivals[done:] for key in arrival.keys)
        done = len(arrivals)
        if keys <= seen:
            time.sleep(GRACE_S)
            return
        time.sleep(0.1)


# --- the phases ---------------------------------------------------------------------------------


@dataclass
class Delivery:
    """How the messages for one set of due steps arrived."""

    expected: int
    lags_s: list[float]  # first arrival minus scheduled time, per step that was sent
    duplicates: int  # messages beyond the first for one step

    @property
    def missing(self) -> int:
        """Steps never sent."""
        return self.expected - len(self.lags_s)

    @property
    def early(self) -> int:
        """Messages that arrived before their step's time (a bug if any)."""
        return sum(lag < 0 for lag in self.lags_s)

    @property
    def last_s(self) -> float:
        """The longest lag: for steps due at one instant, the time until all were sent."""
        return max(self.lags_s, default=float("nan"))


def delivery(arrivals: list[Arrival], due: dict[str, float]) -> Delivery:
    """Match arrivals to due steps by obligation (`o<id>`) or by number, as `due` is keyed."""
    first: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for arrival in arrivals:
        for key in arrival.keys:
            if key in due:
                counts[key] += 1
                first.setdefault(key, arrival.at)
    lags = [first[key] - due[key] for key in first]
    return Delivery(len(due), lags, sum(counts.values()) - len(counts))


@dataclass
class Phase:
    """What one server process did."""

    deliveries: list[Delivery]
    memory: dict[str, float]  # VmRSS when ready, VmHWM at the end
    cpu_s: float | None  # from ready to the end
    wall_s: float
    ready_margin_s: float  # ready this long before the first step fell due
    load: tuple[float, float]  # the machine's 1-minute load average at the start and the end


def timed(label: str, started: float) -> None:
    """Print how long a step took."""
    print(f"  {label} in {time.perf_counter() - started:.1f} s", flush=True)


def seed_escalations(run: Run, settings: Settings) -> tuple[dict[str, float], dict[str, float]]:
    """Units, people and every obligation; the steady and the burst steps' due times, keyed by
    `o<obligation id>`. Due steps go round the units in turn."""
    w, now, started = run.workload, datetime.now(UTC), time.perf_counter()
    office_id, units = seed_units(run.url, w.units, now)
    later = [
        (units[n % len(units)], now + timedelta(hours=3, seconds=n / 10)) for n in range(w.later)
    ]
    seed_obligations(run.url, office_id, later, settings.escalation, now)
    first = datetime.now(UTC) + timedelta(seconds=run.args.lead)
    steady = [first + timedelta(seconds=n / w.rate) for n in range(w.steady)]
    times = steady + [first + timedelta(seconds=w.seconds + run.args.gap)] * w.burst
    owed = [(units[n % len(units)], due) for n, due in enumerate(times)]
    ids = seed_obligations(run.url, office_id, owed, settings.escalation, datetime.now(UTC))
    analyze(run.url)
    timed(f"seeded {len(units):,} units and {w.obligations:,} open obligations", started)
    due = [(f"o{i}", t.timestamp()) for i, t in zip(ids, times, strict=True)]
    return dict(due[: w.steady]), dict(due[w.steady :])


def escalations_phase(run: Run) -> Phase:
    """Server A: steady due steps, then a burst, with the shipped sweep (and throttle, when
    every step has a number of its own)."""
    port = free_port()
    w = run.workload
    public_url = f"http://{HOST}:{port}"
    config = write_config(run.workdir, "a", run.url, public_url, run.twilio, w.throttle_a)
    steady_due, burst_due = seed_escalations(run, load_settings(config, environ=run.env))
    print(
        f"  steady: {w.steady:,} steps at {w.rate}/s from {run.args.lead:g} s after seeding; "
        f"burst: {w.burst:,} steps {run.args.gap:g} s after the last; "
        f"throttle {w.throttle_a or 'as shipped'}",
        flush=True,
    )
    deadline = max(burst_due.values(), default=time.time()) + run.args.timeout
    return measured(run, config, port, "a", [steady_due, burst_due], deadline)


def outbox_phase(run: Run) -> Phase:
    """Server B: queued rows due at one instant, throttle off."""
    retired = retire_leftovers(run.url)
    if retired:
        print(f"  retired {retired:,} notification rows server A left unsent", flush=True)
    port = free_port()
    config = write_config(run.workdir, "b", run.url, f"http://{HOST}:{port}", run.twilio, "0s")
    settings = load_settings(config, environ=run.env)
    at = datetime.now(UTC) + timedelta(seconds=run.args.lead)
    numbers = seed_outbox(run.url, run.workload.outbox, at, settings, datetime.now(UTC))
    print(f"  outbox: {len(numbers):,} queued SMS rows due at one instant, throttle 0s", flush=True)
    due = {number: at.timestamp() for number in numbers}
    return measured(run, config, port, "b", [due], at.timestamp() + run.args.timeout)


def measured(
    run: Run, config: Path, port: int, name: str, due: list[dict[str, float]], deadline: float
) -> Phase:
    """Serve until every due step has been sent or `deadline`; the deliveries and the server's
    memory and CPU."""
    first_due = min((min(d.values()) for d in due if d), default=time.time())
    load_before = os.getloadavg()[0]
    with serving(run, config, port, name) as service:
        ready, cpu_ready = memory_mib(service.pid), cpu_seconds(service.pid)
        everyone = set().union(*due)
        wait_for(run.twilio, service, everyone, deadline)
        if not service.alive():
            raise RuntimeError(f"server {name} died during the run")
        peak, cpu = memory_mib(service.pid), cpu_seconds(service.pid)
        cpu = cpu - cpu_ready if cpu is not None and cpu_ready is not None else None
        wall = time.time() - service.ready_at
    arrivals = run.twilio.arrived()
    return Phase(
        [delivery(arrivals, d) for d in due],
        {"ready": ready.get("VmRSS", float("nan")), "peak": peak.get("VmHWM", float("nan"))},
        cpu,
        wall,
        first_due - service.ready_at,
        (load_before, os.getloadavg()[0]),
    )


# --- reporting ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One backend's phases and the rows they left."""

    backend: str
    workload: Workload
    escalations: Phase
    outbox: Phase
    counts: dict[str, Any]
    exits: list[int | None]

    @property
    def steady(self) -> Delivery:
        return self.escalations.deliveries[0]

    @property
    def burst(self) -> Delivery:
        return self.escalations.deliveries[1]

    @property
    def sent(self) -> Delivery:
        return self.outbox.deliveries[0]

    @property
    def rate(self) -> float:
        """Outbox messages per second, from the rows' due time to the last arrival."""
        return len(self.sent.lags_s) / self.sent.last_s if self.sent.lags_s else 0.0

    @property
    def failures(self) -> list[str]:
        """Checks that failed: doubles, early messages, wrong escalation count, unclean stops."""
        w, all_ = self.workload, (self.steady, self.burst, self.sent)
        problems = [f"{d.duplicates} message(s) sent twice" for d in all_ if d.duplicates]
        problems += [f"{d.early} message(s) before their time" for d in all_ if d.early]
        fired = self.counts.get("escalations")
        if fired is None or fired > w.steady + w.burst:  # fewer: counted as never sent
            problems.append(f"{fired} escalations stored for {w.steady + w.burst} due steps")
        if any(code not in (0, -signal.SIGTERM) for code in self.exits):
            problems.append(f"server exit codes {self.exits}")
        return problems

    def verdicts(self) -> dict[str, bool]:
        """Each target: met or not."""
        p = percentiles(self.steady.lags_s)
        peak = max(self.escalations.memory["peak"], self.outbox.memory["peak"])
        return {
            "steady": p["p99"] < TARGET_P99_S and p["max"] < TARGET_MAX_S
            and self.steady.missing == 0,
            "burst": self.burst.missing == 0 and self.burst.last_s < TARGET_BURST_S,
            "outbox": self.sent.missing == 0 and self.rate >= TARGET_RATE,
            "memory": peak < TARGET_RSS_MIB,
        }  # fmt: skip


def per_message_ms(phase: Phase) -> str:
    """Server CPU per message that arrived, in ms."""
    sent = sum(len(d.lags_s) for d in phase.deliveries)
    return f"{phase.cpu_s / sent * 1000:.1f} ms" if phase.cpu_s is not None and sent else "-"


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_result(r: Result) -> None:
    """One backend's figures, each with its target."""
    w, a, b, v = r.workload, r.escalations, r.outbox, r.verdicts()
    p = percentiles(r.steady.lags_s)
    rows = [
        ("open obligations", f"{w.obligations:,} ({w.steady:,} steady, {w.burst:,} burst, "
         f"{w.later:,} due in hours) in {w.units:,} units; A's throttle "
         f"{w.throttle_a or 'as shipped'}"),
        ("server A ready", f"{a.ready_margin_s:.1f} s before the first step fell due"),
        ("steady lag", f"p50 {p['p50']:.3f} s  p90 {p['p90']:.3f} s  p99 {p['p99']:.3f} s  "
         f"max {p['max']:.3f} s  (min {min(r.steady.lags_s, default=float('nan')):.3f} s)"),
        ("steady sent", f"{len(r.steady.lags_s):,} of {w.steady:,}, never sent "
         f"{r.steady.missing:,}, twice {r.steady.duplicates}: target {met(v['steady'])} "
         f"(p99 < {TARGET_P99_S} s, max < {TARGET_MAX_S:g} s, none skipped)"),
        ("burst", f"{len(r.burst.lags_s):,} of {w.burst:,} sent, last after "
         f"{r.burst.last_s:.2f} s, first after {min(r.burst.lags_s, default=float('nan')):.2f} s, "
         f"twice {r.burst.duplicates}: target {met(v['burst'])} (< {TARGET_BURST_S:g} s)"),
        ("outbox", f"{r.rate:,.0f} messages/s ({len(r.sent.lags_s):,} of {w.outbox:,} in "
         f"{r.sent.last_s:.2f} s), twice {r.sent.duplicates}: target {met(v['outbox'])} "
         f"(>= {TARGET_RATE:,.0f}/s)"),
        ("peak RSS", f"A {a.memory['peak']:.0f} MiB (ready {a.memory['ready']:.0f} MiB), "
         f"B {b.memory['peak']:.0f} MiB: target {met(v['memory'])} (< {TARGET_RSS_MIB:.0f} MiB)"),
        ("server CPU", f"A {a.cpu_s or 0:.1f} s in {a.wall_s:.1f} s "
         f"({per_message_ms(a)} per message), B {b.cpu_s or 0:.1f} s in {b.wall_s:.1f} s "
         f"({per_message_ms(b)} per message)"),
        ("load average", f"A {a.load[0]:.1f} to {a.load[1]:.1f}, B {b.load[0]:.1f} to "
         f"{b.load[1]:.1f} (1 min; figures move with other work on the machine)"),
        ("rows", ", ".join(f"{k} {v:,}" for k, v in sorted(r.counts.items()))),
        ("server exits", f"{r.exits}"),
    ]  # fmt: skip
    print(f"\n  {r.backend}")
    for label, value in rows:
        print(f"  {label:<17} {value}")
    for problem in r.failures:
        print(f"  CHECK FAILED      {problem}")
    print(flush=True)


def print_summary(results: list[Result]) -> None:
    """One line per backend, for comparing runs."""
    print(
        f"{'backend':<10}{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'skipped':>9}"
        f"{'burst s':>9}{'outbox/s':>10}{'RSS MiB':>8}  targets"
    )
    for r in results:
        p = percentiles(r.steady.lags_s)
        peak = max(r.escalations.memory["peak"], r.outbox.memory["peak"])
        missed = [name for name, ok in r.verdicts().items() if not ok]
        print(
            f"{r.backend:<10}{p['p50']:>8.3f}{p['p99']:>8.3f}{p['max']:>8.3f}"
            f"{r.steady.missing:>9}{r.burst.last_s:>9.2f}{r.rate:>10,.0f}{peak:>8.0f}"
            f"  {'all met' if not missed else 'missed: ' + ', '.join(missed)}"
        )


def result_figures(r: Result) -> list[Figure]:
    """The headline figures against their targets, for bench/report.py; a phase that left steps
    unsent counts as taking forever."""
    p = percentiles(r.steady.lags_s)
    burst_s = r.burst.last_s if r.burst.missing == 0 else math.inf
    peak = max(r.escalations.memory["peak"], r.outbox.memory["peak"])
    wrong = sum(d.missing + d.duplicates for d in (r.steady, r.burst, r.sent))
    rows = [
        ("lag due → SMS p99", p["p99"] if r.steady.missing == 0 else math.inf, "s", TARGET_P99_S,
         False),
        ("lag due → SMS max", p["max"] if r.steady.missing == 0 else math.inf, "s", TARGET_MAX_S,
         False),
        (f"{r.workload.burst:,} steps due at once, all sent", burst_s, "s", TARGET_BURST_S, False),
        ("outbox", r.rate if r.sent.missing == 0 else 0.0, "msg/s", TARGET_RATE, True),
        (f"peak RSS, {r.workload.obligations:,} open", peak, "MiB", TARGET_RSS_MIB, False),
        ("steps skipped or sent twice", wrong, "", 0, False),
    ]  # fmt: skip
    return [
        Figure("escalation", r.backend, name, value, unit, limit, "target", higher)
        for name, value, unit, limit, higher in rows
    ]


# --- main ---------------------------------------------------------------------------------------


@contextmanager
def stand_in(callbacks: bool) -> Iterator[TimedStandIn]:
    """The Twilio stand-in, started; stopped afterwards."""
    twilio = TimedStandIn(callbacks)
    twilio.start()
    try:
        yield twilio
    finally:
        twilio.stop()


def run_backend(backend: str, args: argparse.Namespace) -> Result:
    """Database, seed, server A (steady and burst), server B (outbox), counts: end to end."""
    with (
        tempfile.TemporaryDirectory(prefix=f"jibao-bench-{backend}-") as tmp,
        stand_in(args.callbacks) as twilio,
    ):
        workdir = Path(tmp)
        with bench_database(backend, workdir) as url:
            started = time.perf_counter()
            migrate(url)
            timed("migrated", started)
            run = Run(backend, url, workdir, twilio, server_environ(twilio), args)
            escalations = escalations_phase(run)
            outbox = outbox_phase(run)
            counts = table_counts(url)
            return Result(backend, run.workload, escalations, outbox, counts, run.exits)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add = parser.add_argument
    add("--backends", default="sqlite", help="comma-separated: sqlite,postgres")
    add("--obligations", type=int, default=100_000, help="open obligations in all")
    add("--units", type=int, default=500, help="units (0: one per due step, shipped throttle)")
    add("--rate", type=int, default=100, help="steady steps falling due per second")
    add("--seconds", type=float, default=30.0, help="how long steps fall due at --rate")
    add("--burst", type=int, default=10_000, help="steps due at one instant")
    add("--outbox", type=int, default=10_000, help="queued rows for the throughput phase")
    add("--lead", type=float, default=15.0, help="seconds from seeding to the first due step")
    add("--gap", type=float, default=10.0, help="seconds from the last steady step to the burst")
    add("--timeout", type=float, default=60.0, help="seconds to wait after the last due time")
    add("--callbacks", action="store_true", help="let the stand-in post status callbacks")
    add("--profile", type=Path, help="record each server with py-spy into this directory")
    add("--keep-logs", help="copy the server logs into this directory")
    add("--json", type=Path, help="write the headline figures to this file")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(args.backends) - {"sqlite", "postgres"}:
        parser.error(f"unknown backend(s) in {args.backends}")
    if args.units < 0:
        parser.error("--units must be 0 or more")
    if args.rate <= 0 or args.obligations < int(args.rate * args.seconds) + args.burst:
        parser.error("--obligations must cover --rate x --seconds plus --burst")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Result] = []
    failed = False
    for backend in args.backends:
        print(f"== {backend}", flush=True)
        try:
            result = run_backend(backend, args)
        except BackendUnavailable as exc:
            print(f"  skipped: {exc}\n", flush=True)
            continue
        except (RuntimeError, OSError, psycopg.Error, SQLAlchemyError) as exc:
            print(f"  failed: {exc}\n", flush=True)
            failed = True
            continue
        print_result(result)
        results.append(result)
        failed |= bool(result.failures)
    if results:
        print_summary(results)
    if args.json:
        write_figures(args.json, [f for r in results for f in result_figures(r)])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
