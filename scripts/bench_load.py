"""make bench (load part): 50 users for 2 minutes against gunicorn on loopback, on `--scale kz10` data.

Builds a throw-away database (SQLite under a temporary DOZOR_VAR_DIR, or DATABASE_URL if set: it must
point at an empty database), loads the Kazakhstan pack, the demo data (the sign-ins and some activity)
and `generate --scale kz10`, starts gunicorn with 4 workers on a free loopback port, runs locust
headless (scripts/locustfile.py) and prints the p50/p95 per page. Exits non-zero on any failed request.

    python scripts/bench_load.py [--users 50] [--seconds 120] [--scale kz10]

This is a benchmark, never a test: its numbers go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--scale", default="kz10")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dozor.settings", DOZOR_DEBUG="0")
    env.setdefault("DOZOR_ALLOWED_HOSTS", "127.0.0.1,localhost")
    if "DATABASE_URL" not in env:
        env["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-load-")
    dozor = str(BIN / "dozor")
    started = time.monotonic()
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["pack", "load", "kz"],
        ["demo"],
        ["generate", "--scale", args.scale, "--no-progress"],
    ):
        subprocess.run([dozor, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"data ready in {time.monotonic() - started:.0f} s", flush=True)

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    from dozor.facilities.models import Facility

    places = list(Facility.objects.order_by("?").values_list("pk", flat=True)[:200])
    env["DOZOR_LOAD_PLACES"] = ",".join(str(pk) for pk in places)
    env["DOZOR_LOAD_PASSWORD"] = settings.DOZOR_DEMO_PASSWORD

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "dozor.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    out = Path(tempfile.mkdtemp(prefix="dozor-locust-")) / "load"
    try:
        wait_until_up(f"{host}/healthz")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "scripts" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "10",
                "-t",
                f"{args.seconds}s",
                "--host",
                host,
                "--csv",
                str(out),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    with open(f"{out}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\nDozor load test: {args.users} users, {args.seconds} s, gunicorn -w {args.workers}, "
        f"{'PostgreSQL' if 'DATABASE_URL' in os.environ else 'SQLite'}, scale {args.scale}"
    )
    print(f"  {'page':<40} {'requests':>9} {'failures':>9} {'p50 ms':>7} {'p95 ms':>7}")
    failures = 0
    for row in rows:
        failures += int(row["Failure Count"]) if row["Name"] == "Aggregated" else 0
        print(
            f"  {row['Name']:<40} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{row['50%']:>7} {row['95%']:>7}"
        )
    aggregated = next(row for row in rows if row["Name"] == "Aggregated")
    seconds = float(args.seconds)
    print(f"  throughput {int(aggregated['Request Count']) / seconds:.1f} requests/s")
    if failures:
        print(f"FAILED: {failures} failed requests (see {out}_failures.csv)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
