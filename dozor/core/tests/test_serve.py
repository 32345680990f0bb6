"""``dozor serve`` (what ``make run`` uses): gunicorn with several workers and the task worker
beside it, on a real port, against a SQLite file in write-ahead-log mode; both stop together."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from dozor.management.commands.serve import default_workers, gunicorn_command

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


def test_several_workers_by_default() -> None:
    assert 2 <= default_workers() <= 4
    command = gunicorn_command("127.0.0.1:1", 3)
    assert command[command.index("--workers") + 1] == "3"
    assert "dozor.wsgi" in command


def test_serve_answers_through_gunicorn_and_stops_with_its_worker(tmp_path: Path) -> None:
    database = tmp_path / "dozor.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "dozor.settings",
        "DOZOR_ENV": "local",
    }
    dozor = [sys.executable, "-m", "dozor.cli"]
    subprocess.run([*dozor, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [*dozor, "serve", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline:
            try:
                status = _get(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200
        # static files are served too (WhiteNoise), as the pages need them
        assert _get(f"http://127.0.0.1:{port}/static/web/dozor.css") == 200
        children = " ".join(" ".join(c.cmdline()) for c in psutil.Process(server.pid).children())
        assert "gunicorn" in children
        assert "worker" in children
        everyone = [server.pid, *(c.pid for c in psutil.Process(server.pid).children(recursive=True))]
        # several readers never wait for the writer
        assert sqlite3.connect(database).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
    assert server.returncode == 0
    # gunicorn's workers and the task worker are gone with it
    assert [
        pid for pid in everyone if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ] == []
