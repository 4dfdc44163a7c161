"""``fieldbox serve`` as the demo runs it: gunicorn, and the scheduled work in a process of its own.

The scheduler used to be a thread of gunicorn's master, which forks the web workers: a worker forked while the
thread held a lock (kombu's producer pool, as the outbox queued its drain) waited for it forever, and the demo's
next form that sent an e-mail hung until gunicorn killed the worker."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres  # it makes its own SQLite database: once is enough


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else ""
    return state != "Z"


def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_scheduler_runs_beside_the_web_server_and_ends_with_it(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FIELDBOX_DEMO": "1",
        "FIELDBOX_TESTING": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": "",
        "PORT": str(port),
    }
    fieldbox = [str(Path(sys.executable).with_name("fieldbox"))]
    subprocess.run([*fieldbox, "migrate", "-v0"], env=env, check=True, capture_output=True, timeout=120)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*fieldbox, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    scheduler = 0
    try:
        assert wait_for(lambda: b"Booting worker" in log.read_bytes(), 60), log.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        started = re.search(r"scheduler \(process (\d+)\)", log.read_text())
        assert started, log.read_text()
        scheduler = int(started.group(1))
        assert Path(f"/proc/{scheduler}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(server.pid)
        # It runs the schedule: the outbox is drained within seconds of the start.
        assert wait_for(lambda: b"drain_outbox" in log.read_bytes(), 30), log.read_text()
        # The web server dies without a word (no atexit, no signal to its children): the scheduler follows it.
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        assert wait_for(lambda: not alive(scheduler), 20), "the scheduler outlived the web server"
    finally:
        if server.poll() is None:
            server.kill()
        if scheduler and alive(scheduler):
            os.kill(scheduler, signal.SIGKILL)
        subprocess.run(["pkill", "-KILL", "-f", f"serve --port {port}"], check=False)
