"""The real stack, of the suite's own: a PostgreSQL cluster (initdb/pg_ctl, own port and data
directory), a redis-server, two gunicorn app servers, a Celery worker and beat, each a process on
loopback ports of its own. Nothing here touches the shared PostgreSQL or Redis the other tests use,
so restarting them is safe. Settings: ``config.settings.local`` with DEBUG off and the environment
below (persistent database connections as in production, a CDN purge hook and a mail directory).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, what: str, timeout: float = WAIT_SECONDS) -> object:
    """Poll ``condition`` until it is truthy; raise after ``timeout`` seconds (a process that never
    comes back is a failure, not a hang of the CI job)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.2)


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in versions:
        if (directory / name).exists():
            return str(directory / name)
    raise RuntimeError(f"{name} not found: install the PostgreSQL server binaries.")


def as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres account then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/reviewboard"

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            as_postgres([pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.start()
        with psycopg.connect(self.url.replace("/reviewboard", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE reviewboard")

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            as_postgres(
                [
                    pg_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.directory / "postgres.log"),
                    "-w",
                    "-t",
                    "60",
                    *args,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=()):
        return self.query(sql, params)[0][0]


@dataclass
class Redis:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(client.ping, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Process:
        out = self.log.open("a")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self) -> None:
        """kill -9: the process dies mid-whatever, as on an OOM kill or a lost machine."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stack:
    directory: Path
    postgres: Postgres
    redis: Redis
    env: dict[str, str]
    app_ports: list[int]
    api_key: str = ""
    servers: list[Process] = field(default_factory=list)
    worker: Process | None = None
    beat: Process | None = None

    @property
    def origins(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.app_ports]

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=check, capture_output=True, text=True
        )

    def python_module(self, module: str, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", module, *args], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        )
        return result.stdout

    def start_servers(self) -> None:
        self.servers = [
            Process(
                f"app{i}",
                [
                    str(VENV_BIN / "gunicorn"),
                    "config.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "1",
                    "--threads",
                    "4",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                ],
                self.env,
                self.directory / f"app{i}.log",
            ).start()
            for i, port in enumerate(self.app_ports)
        ]
        for origin in self.origins:
            wait_for(
                lambda origin=origin: requests.get(f"{origin}/healthz", timeout=5).status_code == 200,
                what=f"app server {origin}",
            )

    def start_worker(self, *, module: str = "", env: dict[str, str] | None = None) -> Process:
        """The worker (solo pool, one task at a time); ``module``: a test worker run as ``python -m``
        (tests/reviewboard/jobs/slow_worker.py: renders that hang before their commit)."""
        if module:
            command = [sys.executable, "-m", module]
        else:
            command = [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=reliability-{time.monotonic_ns()}@%h",
            ]
        self.worker = Process("worker", command, {**self.env, **(env or {})}, self.directory / "worker.log").start()
        return self.worker

    def start_beat(self) -> Process:
        self.beat = Process(
            "beat",
            [str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel=WARNING"],
            self.env,
            self.directory / "beat.log",
        ).start()
        return self.beat

    def supervise(self) -> list[str]:
        """What a process supervisor (systemd ``Restart=always``, Kubernetes) does: start again the
        worker or beat if it exited. Returns the names restarted."""
        restarted = []
        if self.worker is not None and self.worker.process.poll() is not None:
            self.start_worker()
            restarted.append("worker")
        if self.beat is not None and self.beat.process.poll() is not None:
            self.start_beat()
            restarted.append("beat")
        return restarted

    def stop_all(self) -> None:
        for process in [*self.servers, self.worker, self.beat]:
            if process is not None:
                process.stop()

    # --- what the tests read ---------------------------------------------------------------

    def read(self, origin: str, path: str, **headers: str) -> requests.Response:
        return requests.get(origin + path, headers={"Authorization": f"Api-Key {self.api_key}", **headers}, timeout=30)

    def token(self, username: str) -> str:
        response = requests.post(
            f"{self.origins[0]}/api/v1/auth/token/",
            json={"username": username, "password": "review-demo", "device": "reliability"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def verify_audit_log(self) -> str:
        result = self.manage("verify_audit_log", check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def build(directory: Path, *, purge_url: str) -> Stack:
    postgres = Postgres(directory / "pg")
    postgres.init()
    redis_server = Redis(directory)
    redis_server.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TEST_DB"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": postgres.url,
        "DB_CONN_MAX_AGE": "60",  # persistent connections, as in production: they must survive a restart
        "REDIS_URL": redis_server.url,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # mail goes to the worker's log
        "PURGE_URL": purge_url,
        "PURGE_SETTLE_MARGIN_SECONDS": "0.5",
        "PURGE_REPEAT_SECONDS": "1",
        "OUTBOX_GRACE_SECONDS": "2",
        # The suite reads in tight loops on one key, across two servers counting in the shared Redis: a
        # 429 here would only say the throttle works (tests/articles/test_api_keys.py says that).
        "API_KEY_THROTTLE_RATE": "100000/min",
        # The suite's approvals complete on the quorum's last sign-off (issue 18's chair decision is tested
        # in tests/reviewboard/review/test_issue18_rigor.py).
        "REVIEW_DECIDED_BY": "quorum",
        "CELERY_SKIP_CHECKS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    stack = Stack(
        directory=directory, postgres=postgres, redis=redis_server, env=env, app_ports=[free_port(), free_port()]
    )
    stack.manage("migrate", "--noinput")
    stack.manage("seed_demo")
    stack.manage("seed_demo_published")
    stack.api_key = stack.manage("create_api_key", "reliability").stdout.strip().splitlines()[-1]
    stack.start_servers()
    stack.start_worker()
    stack.start_beat()
    return stack


def teardown(stack: Stack) -> None:
    stack.stop_all()
    stack.redis.stop()
    with contextlib.suppress(subprocess.CalledProcessError):
        stack.postgres.stop()


def events(stack: Stack, type_: str) -> list[tuple]:
    return stack.postgres.query(
        "SELECT e.id, e.dispatched_at IS NOT NULL, e.failed_at IS NOT NULL, "
        "ARRAY(SELECT d.consumer FROM reviewboard_eventdelivery d "
        "WHERE d.event_id = e.id AND d.delivered_at IS NOT NULL ORDER BY d.consumer), e.last_error "
        "FROM reviewboard_event e WHERE e.type = %s ORDER BY e.id",
        [type_],
    )


def as_json(text: str) -> dict:
    return json.loads(text)
