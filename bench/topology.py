"""Setup and teardown for the multi-process scenarios, each an `async with`.

- `topology(...)`: deploy/topology.sh's workers behind nginx, stopped on the way out;
- `private_redis(port, ...)` and `private_postgres(port, ...)`: servers of the scenario's own,
  on ports of its own, which a fault scenario may stop and start (never the shared ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench import procs

SCRIPT = procs.ROOT / "deploy" / "topology.sh"


async def _run(*command: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdin=asyncio.subprocess.DEVNULL
    )
    code = await process.wait()
    if check and code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}")
    return code


@dataclass
class Topology:
    """Running workers behind nginx; what a scenario may do to them."""

    env: dict[str, str]
    state: Path
    workers: int
    port: int  # nginx's

    def pids(self) -> list[int]:
        numbers = range(1, self.workers + 1)
        return [int((self.state / f"worker-{n}.pid").read_text()) for n in numbers]

    def group(self) -> procs.Group:
        return procs.Group(self.pids())

    async def kill(self, worker: int) -> None:
        """SIGKILL one worker's process group (a crash)."""
        await _run(str(SCRIPT), "kill", str(worker), env=self.env)

    async def restart(self, worker: int) -> None:
        """Start a killed worker again, as systemd's `Restart=always` does."""
        await _run(str(SCRIPT), "restart", str(worker), env=self.env)


@contextlib.asynccontextmanager
async def topology(
    *, workers: int, port: int, env: dict[str, str], state: Path
) -> AsyncIterator[Topology]:
    """nginx on `port`, `workers` uvicorn workers on the ports after it."""
    env = {
        **env,
        "TOPOLOGY_DIR": str(state),
        "WORKERS": str(workers),
        "NGINX_PORT": str(port),
        "WORKER_BASE_PORT": str(port + 1),
        # Two cores only: the workers share the server core and nginx takes the load core, so
        # one worker and two compare what the second process costs, not how it scales.
        "WORKER_CPUS": procs.SERVER_CORE,
        "NGINX_CPU": procs.LOAD_CORE,
        "PYTHON": procs.PYTHON,
    }
    await _run(str(SCRIPT), "start", env=env)
    try:
        yield Topology(env=env, state=state, workers=workers, port=port)
    finally:
        await _run(str(SCRIPT), "stop", env=env, check=False)


# --- private servers --------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        await _run(
            "redis-server",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--daemonize", "yes", "--dir", str(self.directory)),
            *("--pidfile", str(self.directory / "redis.pid")),
            *("--logfile", str(self.directory / "redis.log")),
        )
        await procs.wait_for_port(self.port)

    async def stop(self) -> None:
        pidfile = self.directory / "redis.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.asynccontextmanager
async def private_redis(port: int) -> AsyncIterator[PrivateRedis]:
    """A Redis with no persistence on 127.0.0.1:`port`, removed on the way out."""
    directory = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    server = PrivateRedis(port, directory)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found (PostgreSQL's server binaries)")


@dataclass
class PrivatePostgres:
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/doithoai_bench"

    def _as_owner(self, *command: str) -> list[str]:
        # initdb and the server refuse to run as root.
        return ["su", "postgres", "-c", " ".join(command)] if os.geteuid() == 0 else list(command)

    async def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        data = self.directory / "data"
        await _run(
            *self._as_owner(
                _pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
        )

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        await _run(
            *self._as_owner(
                _pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-w", "-l",
                str(self.directory / "postgres.log"), "-o", f"'{options}'", "start",
            )
        )  # fmt: skip

    async def stop(self, *, check: bool = True) -> None:
        await _run(
            *self._as_owner(
                _pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-w", "-m", "fast", "stop"
            ),
            check=check,
        )


@contextlib.asynccontextmanager
async def private_postgres(port: int) -> AsyncIterator[PrivatePostgres]:
    """A fresh PostgreSQL cluster on 127.0.0.1:`port`, removed on the way out."""
    directory = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    server = PrivatePostgres(port, directory)
    try:
        await server.init()
        await server.start()
        yield server
    finally:
        await server.stop(check=False)
        shutil.rmtree(directory, ignore_errors=True)
