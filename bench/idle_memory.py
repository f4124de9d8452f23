"""Resident memory of an idle service: `jibao serve` with the shipped config.toml on a freshly
migrated, empty database, per backend.

It waits `--seconds` after /healthz answers (the engine, the roster watch and the outbox run their
first rounds), requests the sign-in page and /healthz a few times so the web stack is warm, then
reads VmRSS and VmHWM from /proc and stops the server with SIGTERM.

    .venv/bin/python bench/idle_memory.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/idle_memory.py --backends sqlite --seconds 5

Target: at most 120 MiB resident (VmHWM, the peak). Exit status 1 when the server does not start
or stop cleanly; missing the target is reported, not a failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from escalation import memory_mib  # bench/ is on sys.path when run as a script
from figures import Figure, write_figures
from filings import (
    BackendUnavailable,
    bench_database,
    jibao_command,
    running_server,
    write_config,
)

from alerts.storage.database import migrate

TARGET_IDLE_MIB = 120.0
WARM_REQUESTS = 5


def idle_memory(backend: str, seconds: float) -> tuple[dict[str, float], bool]:
    """VmRSS and VmHWM of an idle server on `backend`; whether it stopped cleanly."""
    with tempfile.TemporaryDirectory(prefix=f"jibao-bench-idle-{backend}-") as tmp:
        workdir = Path(tmp)
        with bench_database(backend, workdir) as url:
            migrate(url)
            exit_codes: list[int | None] = []
            with running_server(
                jibao_command(write_config(url, workdir), 1), workdir, exit_codes
            ) as server:
                time.sleep(seconds)
                for _ in range(WARM_REQUESTS):
                    for path in ("/healthz", "/login"):
                        with urllib.request.urlopen(server.base_url + path, timeout=10) as answer:
                            answer.read()
                memory = memory_mib(server.pid)
            return memory, bool(exit_codes) and exit_codes[0] in (0, -15)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=20.0, help="idle time before reading")
    parser.add_argument("--json", type=Path, help="write the headline figures to this file")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - {"sqlite", "postgres"}:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures: list[Figure] = []
    failed = False
    for backend in args.backends:
        print(f"== {backend}", flush=True)
        try:
            memory, clean = idle_memory(backend, args.seconds)
        except BackendUnavailable as exc:
            print(f"  skipped: {exc}\n", flush=True)
            continue
        except (RuntimeError, OSError) as exc:
            print(f"  failed: {exc}\n", flush=True)
            failed = True
            continue
        peak = memory.get("VmHWM", float("nan"))
        verdict = "met" if peak <= TARGET_IDLE_MIB else "NOT met"
        print(
            f"  idle RSS {memory.get('VmRSS', float('nan')):.0f} MiB, peak {peak:.0f} MiB: "
            f"target {verdict} (<= {TARGET_IDLE_MIB:.0f} MiB)"
            + ("" if clean else "; server did NOT stop cleanly"),
            flush=True,
        )
        failed |= not clean
        figures.append(
            Figure("idle_memory", backend, "idle RSS (peak)", peak, "MiB", TARGET_IDLE_MIB,
                   "target", False)
        )  # fmt: skip
    if args.json:
        write_figures(args.json, figures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
