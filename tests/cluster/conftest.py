"""The multi-node rig (scripts/cluster) for the tests in this directory.

The session starts the rig unless one is already running in ``CLUSTER_DIR`` (default
/tmp/reviewboard-cluster-tests), and destroys what it started at the end (CLUSTER_KEEP=1 keeps it).
The tests talk to the rig only as its clients do: HTTP to the app servers, the board's actions run
as separate processes in the rig's environment (tests/cluster/actions.py), SQL to read the outbox.
Every wait is bounded by a number of polls, so a broken rig fails the test instead of hanging it.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster"
POLL_SECONDS = 0.2
MAX_POLLS = 600  # 2 minutes at most for anything to happen on a loaded 2-core machine


def poll(condition, *, what: str, polls: int = MAX_POLLS, interval: float = POLL_SECONDS):
    """Call ``condition`` until it returns something truthy; fail naming ``what`` after ``polls`` tries."""
    for _ in range(polls):
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"gave up waiting for {what}")


class Cluster:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        # The rig's ports, handed to scripts/cluster (below the range of outgoing connections' ports: see there).
        self.app_ports = [18001, 18002]
        self.primary_port, self.replica_port, self.restore_port = 15432, 15433, 15434
        self.redis_port = 16379

    def script(self, *args: str) -> str:
        ports = {
            "CLUSTER_PG_PORTS": f"{self.primary_port} {self.replica_port}",
            "CLUSTER_RESTORE_PORT": str(self.restore_port),
            "CLUSTER_REDIS_PORT": str(self.redis_port),
            "CLUSTER_APP_PORTS": " ".join(map(str, self.app_ports)),
        }
        result = subprocess.run(
            [str(SCRIPT), *args],
            env={**os.environ, "CLUSTER_DIR": self.directory, **ports},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"scripts/cluster {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def env(self) -> dict[str, str]:
        lines = self.script("env").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def action(self, *args: str, env: dict[str, str] | None = None) -> list[str]:
        """Run a board action in the rig's environment (or ``env``); its printed words."""
        result = subprocess.run(
            [sys.executable, "-m", "tests.cluster.actions", *args],
            cwd=ROOT,
            env={**os.environ, **(env or self.env())},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"action {args} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.split()

    def start_action(self, *args: str) -> subprocess.Popen:
        """A board action started now and waiting (it prints "ready") for a line on its stdin to act."""
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.cluster.actions", *args],
            cwd=ROOT,
            env={**os.environ, **self.env()},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if process.stdout.readline().strip() != "ready":
            process.kill()
            pytest.fail(f"action {args} did not start")
        return process

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, **(env or self.env())},
            capture_output=True,
            text=True,
            check=False,
        )

    @property
    def api_key(self) -> str:
        return Path(self.directory, "api_key").read_text().strip()

    def sql(self, port: int, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/reviewboard", connect_timeout=3) as conn:
            return conn.execute(query, params).fetchall()

    def get(self, port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def read(self, port: int, slug: str) -> tuple[int, bytes]:
        return self.get(port, f"/api/v1/articles/{slug}/", {"Authorization": f"Api-Key {self.api_key}"})

    def healthz(self, port: int) -> dict:
        return json.loads(self.get(port, "/healthz")[1])

    def publish(self, slug: str) -> None:
        """A new article approved by the board, then readable on every app server (the render is a task)."""
        self.action("publish", slug)
        for port in self.app_ports:
            poll(lambda port=port: self.read(port, slug)[0] == 200, what=f"{slug} to be readable on {port}")


@dataclass
class Reading:
    started: float
    port: int
    status: int
    body: bytes


@dataclass
class Readers:
    """Reader threads asking for one article on every app server until stopped (or ``per_thread`` each)."""

    cluster: Cluster
    slug: str
    threads: int = 4
    per_thread: int = 1000  # a bound: the tests stop the readers long before
    pause: float = 0.02
    readings: list[Reading] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]

    def _run(self, number: int) -> None:
        port = self.cluster.app_ports[number % len(self.cluster.app_ports)]
        for _ in range(self.per_thread):
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                status, body = self.cluster.read(port, self.slug)
            except OSError as exc:
                status, body = 0, repr(exc).encode()
            with self._lock:
                self.readings.append(Reading(started, port, status, body))
            time.sleep(self.pause)

    def __enter__(self) -> Readers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def since(self, moment: float) -> list[Reading]:
        with self._lock:
            return [reading for reading in self.readings if reading.started >= moment]


@pytest.fixture(scope="session")
def cluster():
    directory = os.environ.get("CLUSTER_DIR") or str(Path(tempfile.gettempdir(), "reviewboard-cluster-tests"))
    rig = Cluster(directory)
    already = "app1: running" in rig.script("status")
    if not already:
        # What a run that failed to start left behind (its data directories, configured with the ports of
        # that day) is removed first: this directory is the tests' own.
        rig.script("destroy")
        try:
            rig.script("start")
        except BaseException:
            if os.environ.get("CLUSTER_KEEP") != "1":
                rig.script("destroy")
            raise
    yield rig
    if not already and os.environ.get("CLUSTER_KEEP") != "1":
        rig.script("destroy")
