"""Run the filing, escalation, Now-page and idle-memory benchmarks one after the other and print
one table: each headline figure beside its limit (the target, or the bare app measured in the
same run) and the ratio. `--readme` also writes the table into README.md between its bench markers.

    .venv/bin/python bench/report.py                      # all four, both backends: ~25 min
    .venv/bin/python bench/report.py --readme             # and update README.md
    .venv/bin/python bench/report.py --only filings --backends sqlite

Each benchmark's own output streams through unchanged; the exit status is 1 when one of them
failed a check (a missing target is reported, not a failure)."""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from figures import Figure, read_figures  # bench/ is on sys.path when run as a script

BENCH = Path(__file__).resolve().parent
README = BENCH.parent / "README.md"
BENCHES = ("filings", "escalation", "now_page", "idle_memory")
BEGIN, END = "<!-- bench-report:begin -->", "<!-- bench-report:end -->"


def run_bench(name: str, backends: str, out: Path) -> int:
    script = str(BENCH / f"{name}.py")
    command = [sys.executable, script, "--backends", backends, "--json", str(out)]
    print(f"\n### {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, check=False).returncode


def amount(value: float, unit: str) -> str:
    if math.isinf(value):
        return "not all sent" if unit == "s" else "∞"
    if unit == "s":
        return f"{value:.2f} s"
    if unit in ("ms", "MiB"):
        return f"{value:,.0f} {unit}"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "msg/s":
        return f"{value:,.0f} msg/s"
    return f"{value:,.0f}"


def row(f: Figure) -> str:
    bound = "≥" if f.higher_is_better else "≤"
    limit = amount(f.limit, f.unit)
    limit = f"{limit} (bare app)" if f.limit_is == "bare app" else f"{bound} {limit}"
    if f.limit == 0 and not f.higher_is_better:
        ratio = "—"
    elif math.isinf(f.ratio):
        ratio = "∞"
    else:
        ratio = f"{f.ratio:.2f}" + (f" (goal ≥ {f.goal:.2f})" if f.goal != 1.0 else "")
    verdict = "met" if f.met else "**not met**"
    return f"| {f.name} | {f.backend} | {amount(f.value, f.unit)} | {limit} | {ratio} | {verdict} |"


def table(figures: list[Figure], heading: str) -> str:
    lines = [
        heading,
        "",
        "| figure | backend | measured | limit | ratio | |",
        "| --- | --- | --- | --- | --- | --- |",
        *(row(f) for f in figures),
    ]
    return "\n".join(lines)


def commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(BENCH.parent), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown commit"


def write_readme(text: str) -> None:
    readme = README.read_text()
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no {BEGIN} … {END} section to replace")
    README.write_text(readme[: start + len(BEGIN)] + "\n" + text + "\n" + readme[end:])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benchmarks")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    args.only = [b.strip() for b in args.only.split(",") if b.strip()]
    if unknown := set(args.only) - set(BENCHES):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    load = os.getloadavg()[0]
    figures: list[Figure] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="jibao-bench-report-") as tmp:
        for name in args.only:
            out = Path(tmp) / f"{name}.json"
            failed |= run_bench(name, args.backends, out) != 0
            if out.exists():
                figures += read_figures(out)
            else:
                print(f"  {name}: no figures written", flush=True)
                failed = True
    heading = (
        f"One run of `bench/report.py` at {commit()}, {started:%Y-%m-%d %H:%M} UTC, on this "
        f"project's 2-core machine (load average {load:.1f} at the start; the load generators "
        "share the cores). Ratio: measured over limit, or limit over measured for times and "
        "memory, so more is better."
    )
    text = table(figures, heading)
    print("\n" + text, flush=True)
    if args.readme:
        write_readme(text)
        print(f"\nwritten into {README}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
