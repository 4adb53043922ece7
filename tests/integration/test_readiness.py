"""`/readyz` follows its servers: not ready while PostgreSQL or Redis is down, ready once back.

The servers stopped here are private ones this test starts on ports of its own (a redis-server
and a PostgreSQL cluster in a temporary folder), never the shared ones, and a uvicorn worker
configured like production in front of them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REQUIRE_SERVERS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT, POSTGRES_PORT, WORKER_PORT = 8840, 8841, 8842
WAIT = 90.0  # generous: CI runs with a CPU hog beside it


def binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        message = f"{name} is not installed"
        if REQUIRE_SERVERS:
            pytest.fail(message)
        pytest.skip(message)
    return found


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: under root, run the command as the postgres user."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]


class PrivateRedis:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(binary("redis-server"), "--port", str(REDIS_PORT), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


class PrivatePostgres:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"

    def init(self) -> None:
        subprocess.run(
            as_postgres([binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )

    def pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            as_postgres([binary("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *arguments]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {POSTGRES_PORT} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", options, "-l", str(self.directory / "postgres.log"), "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


@pytest.fixture
def servers() -> Iterator[tuple[PrivateRedis, PrivatePostgres]]:
    directory = Path(tempfile.mkdtemp(prefix="doithoai-readyz-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    redis, postgres = PrivateRedis(), PrivatePostgres(directory)
    redis.start()
    postgres.init()
    postgres.start()
    try:
        yield redis, postgres
    finally:
        if redis.process is not None and redis.process.poll() is None:
            redis.stop()
        subprocess.run(
            as_postgres([binary("pg_ctl"), "-D", str(postgres.data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def worker(servers, tmp_path: Path) -> Iterator[Path]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "readiness-test-key-long-enough-0123456789abcdef",
        # The site's name only, as docs/operations.md installs it: the probes below name
        # 127.0.0.1 and must be answered all the same (config/probes.py).
        "ALLOWED_HOSTS": "doithoai.example.gov.vn",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{POSTGRES_PORT}/postgres",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    }
    log = tmp_path / "worker.log"
    # As a deployment does before it starts workers: a database without the task queue's table
    # is rightly not ready.
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
                *("--host", "127.0.0.1", "--port", str(WORKER_PORT), "--lifespan", "off"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        # The task worker, as doithoai-tasks.service runs it: /readyz waits for its heartbeat.
        tasks = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--no-reload", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: readiness()[0] == 200, "the worker to be ready", log)
        yield log
    finally:
        for started in (process, tasks):
            started.terminate()
            started.wait(timeout=60)


def readiness() -> tuple[int, dict[str, str]]:
    """/readyz's status and its checks; (0, {}) while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{WORKER_PORT}/readyz", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


def failing() -> set[str]:
    status, checks = readiness()
    assert status in (200, 503)
    return {name.split("(")[0] for name, state in checks.items() if state != "OK"}


def wait_for(condition: Callable[[], bool], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            detail = log.read_text()[-3000:] if log else ""
            pytest.fail(f"waited {WAIT:.0f} s for {what}\n{detail}")
        time.sleep(0.5)


def test_readiness_follows_redis_and_postgresql_down_and_back(servers, worker):
    redis, postgres = servers
    assert readiness()[0] == 200
    healthz = urllib.request.urlopen(f"http://127.0.0.1:{WORKER_PORT}/healthz", timeout=10)
    assert healthz.status == 200

    redis.stop()
    wait_for(lambda: failing() == {"Cache", "ChannelLayer"}, "Redis to be missed", worker)
    assert readiness()[0] == 503
    # Alive all the same: the process answers, it just cannot serve everything.
    assert urllib.request.urlopen(f"http://127.0.0.1:{WORKER_PORT}/healthz").status == 200
    redis.start()
    wait_for(lambda: readiness()[0] == 200, "Redis to be back", worker)

    postgres.stop()
    # The task queue and the task worker's heartbeat live in the database too.
    missed = {"Database", "TaskQueue", "TaskWorker"}
    wait_for(lambda: failing() == missed, "PostgreSQL to be missed", worker)
    assert readiness()[0] == 503
    postgres.start()
    wait_for(lambda: readiness()[0] == 200, "PostgreSQL to be back", worker)


def test_readiness_follows_the_task_worker(servers, worker):
    assert readiness()[0] == 200
    # Minutes without a heartbeat, as when doithoai-tasks is stopped or was never started.
    url = f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}/postgres"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE operations_taskworkerheartbeat SET seen_at = now() - interval '1 hour'")
    status, checks = readiness()
    assert status == 503
    assert failing() == {"TaskWorker"}
    assert "doithoai-tasks" in checks["TaskWorker()"]
    # The worker still runs: its next heartbeat makes the machine ready again.
    wait_for(lambda: readiness()[0] == 200, "the next heartbeat", worker)
