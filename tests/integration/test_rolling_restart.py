"""deploy/rolling-restart.sh on the loopback topology: pages load all through it, and none 502.

Two workers behind nginx (deploy/topology.sh, the production upstream's `max_fails=1
fail_timeout=5s`) on ports of this test's own, a client loading pages through nginx the whole
time, and the rolling restart restarting both workers. Before, restarting the workers one after
the other as soon as each answered gave 37 × 502 in 99 page loads: nginx still counted the first
as down when the second went.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config import deployconf
from config.taskworker import Heartbeat
from tests.conftest import REQUIRE_SERVERS
from tests.factories import EventFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "deploy" / "topology.sh"
ROLLING = ROOT / "deploy" / "rolling-restart.sh"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports nothing listens on (others share this
    machine's ports: a random block, checked)."""
    for _ in range(200):
        first = random.randrange(20000, 40000)
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free block of ports")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[dict[str, str]]:
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx)"
        if REQUIRE_SERVERS:
            pytest.fail(message)
        pytest.skip(message)
    first = free_ports(3)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "NGINX_BIN": NGINX,
        "WORKERS": "2",
        "NGINX_PORT": str(first),
        "WORKER_BASE_PORT": str(first + 1),
        "TOPOLOGY_DIR": str(tmp_path / "topology"),
        "ENV_FILE": str(tmp_path / "no-env-file"),
    }
    # /readyz waits for a task worker's heartbeat: this process writes one.
    heartbeat = Heartbeat(every=5)
    heartbeat.start()
    try:
        started = subprocess.run(
            [TOPOLOGY, "start"], env=env, capture_output=True, text=True, timeout=120
        )
        assert started.returncode == 0, started.stdout + started.stderr + logs(tmp_path)
        yield env
    finally:
        subprocess.run([TOPOLOGY, "stop"], env=env, timeout=120, check=False)
        heartbeat.stop()
        wait_for_workers_to_leave_the_database()


def wait_for_workers_to_leave_the_database() -> None:
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


def logs(tmp_path: Path) -> str:
    return "".join(p.read_text() for p in sorted((tmp_path / "topology").glob("*.log")))


class PageLoader(threading.Thread):
    """Loads pages through nginx, one after the other, until stopped; counts each status."""

    def __init__(self, port: int, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.port, self.paths = port, paths
        self.codes: Counter[int] = Counter()
        self.stopped = threading.Event()

    def load(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                r.read()
                return int(r.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0  # nginx itself did not answer

    def run(self) -> None:
        while not self.stopped.is_set():
            for path in self.paths:
                self.codes[self.load(path)] += 1

    def total(self) -> int:
        return sum(self.codes.values())


def pid(env: dict[str, str], worker: int) -> str:
    return (Path(env["TOPOLOGY_DIR"]) / f"worker-{worker}.pid").read_text().strip()


def test_a_rolling_restart_loads_every_page_without_a_502(topology: dict[str, Any]):
    event = EventFactory()
    loader = PageLoader(int(topology["NGINX_PORT"]), ["/", f"/e/{event.slug}/"])
    before = {n: pid(topology, n) for n in (1, 2)}
    loader.start()
    try:
        # Pages load before anything is restarted (the first ones warm the workers up).
        deadline = time.monotonic() + 120
        while loader.codes[200] < 10:
            assert time.monotonic() < deadline, dict(loader.codes)
            time.sleep(0.1)
        restart = f"{TOPOLOGY} restart {{n}}"
        rolled = subprocess.run(
            [ROLLING, "--restart", restart, "--timeout", "120"],
            env=topology,
            capture_output=True,
            text=True,
            timeout=600,
        )
        loaded_while_rolling = loader.total()
        # And after.
        target = loaded_while_rolling + 10
        deadline = time.monotonic() + 120
        while loader.total() < target:
            assert time.monotonic() < deadline, dict(loader.codes)
            time.sleep(0.1)
    finally:
        loader.stopped.set()
        loader.join(timeout=60)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "all 2 workers restarted and ready" in rolled.stdout
    after = {n: pid(topology, n) for n in (1, 2)}
    assert all(before[n] != after[n] for n in (1, 2)), "a worker was not restarted"
    assert loader.codes[502] == 0, dict(loader.codes)
    assert set(loader.codes) == {200}, dict(loader.codes)
    assert loader.total() >= 30


def test_the_script_waits_out_nginxs_fail_timeout():
    script = ROLLING.read_text()
    assert f"FAIL_TIMEOUT={deployconf.FAIL_TIMEOUT_SECONDS}\n" in script
    assert f"fail_timeout={deployconf.FAIL_TIMEOUT_SECONDS}s" in TOPOLOGY.read_text()
    assert "/readyz" in script


def test_a_worker_that_does_not_get_ready_stops_the_restart(topology: dict[str, Any]):
    # A "restart" that leaves worker 1 down: the script stops there and worker 2 is untouched.
    before = pid(topology, 2)
    rolled = subprocess.run(
        [ROLLING, "--restart", f"{TOPOLOGY} kill {{n}}", "--timeout", "3"],
        env=topology,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rolled.returncode != 0
    assert "worker 1 is not ready" in rolled.stderr
    assert "workers after 1 were not restarted" in rolled.stderr
    assert pid(topology, 2) == before
