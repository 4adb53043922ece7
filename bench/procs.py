"""Processes of a bench run: the server under test on one core, the load on the other."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_CORE = "0"
BENCH_NICE = -10
LOAD_CORE = "1"
APPLICATION = "config.asgi:application"
# Seconds between the servers' keepalive pings to each socket (uvicorn's and websockets' default).
PING_INTERVAL = 20

# The same ASGI application under each server; `bare` is the websockets ceiling.
SERVERS: dict[str, list[str]] = {
    "uvicorn": [
        PYTHON, "-m", "uvicorn", APPLICATION, "--host", "127.0.0.1",
        "--port", "{port}", "--backlog", "4096", "--loop", "uvloop", "--http", "httptools",
        "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off",
        "--no-access-log", "--log-level", "warning", "--ws-ping-interval", "{ping}",
        "--ws-max-size", str(int(os.environ.get("DIALOGUE_MAX_FRAME_BYTES", "4096")) * 16),
    ],
    "daphne": [
        PYTHON, "-m", "daphne", "-e", "tcp:{port}:interface=127.0.0.1:backlog=4096", "-v", "0",
        "--ping-interval", "{ping}", APPLICATION,
    ],
    "bare": [PYTHON, "-m", "bench.bare_server", "--port", "{port}", "--ping-interval", "{ping}"],
    "picows": [
        PYTHON, "-m", "bench.picows_server", "--port", "{port}", "--ping-interval", "{ping}",
    ],
    "uws": [
        "node", str(ROOT / "bench" / "uws" / "server.js"), "--port", "{port}",
        "--ping-interval", "{ping}",
    ],
}  # fmt: skip
# The ceilings: broadcast servers with the citizen socket's outline and no application.
CEILINGS = ("bare", "picows", "uws")
UWS_MODULES = ROOT / "bench" / "uws" / "node_modules"


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production-like settings; rate limits raised because every bench client is 127.0.0.1."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_VOTE_PARTICIPANT": "100000/minute",
        "RATE_LIMIT_VOTE_IP": "10000000/minute",
        "RATE_LIMIT_ASK_PARTICIPANT": "100000/minute",
        "RATE_LIMIT_ASK_IP": "10000000/minute",
        # Every simulated participant comes from 127.0.0.1: one address, a very big hall.
        "DIALOGUE_PEOPLE_PER_ADDRESS": "1000000",
        "DIALOGUE_SOCKETS_PER_SESSION": "1000000",
        "PYTHONPATH": str(ROOT),
    }


def pinned(core: str, command: list[str]) -> list[str]:
    """Run on one core; as root, also ahead of whatever else this machine is running."""
    # A shared development machine runs other work too (test suites, browsers); a higher
    # priority approximates the dedicated cores the targets assume. Residual interference is
    # still measured and flagged in the table (bench/run.py, `core_busy`).
    # `nice -n` is relative to this process, which may already run at BENCH_NICE itself.
    change = BENCH_NICE - os.nice(0)
    priority = ["nice", "-n", str(change)] if os.geteuid() == 0 and change else []
    return [*priority, "taskset", "-c", core, *command]


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        if header.startswith("TcpExt:"):
            fields = dict(zip(header.split()[1:], values.split()[1:], strict=False))
            return int(fields.get("ListenOverflows", 0))
    return 0


async def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class Server:
    """A server process pinned to the server core, with its CPU and memory readable."""

    def __init__(self, kind: str, port: int, env: dict[str, str], app: str = APPLICATION) -> None:
        self.kind = kind
        self.port = port
        self.env = env
        self.app = app  # another ASGI application in place of config.asgi's (uvicorn, daphne)
        self.process: asyncio.subprocess.Process | None = None
        self.ps: psutil.Process | None = None
        self._cpu = 0.0
        self._at = 0.0

    async def start(self) -> None:
        if self.kind == "uws" and not UWS_MODULES.exists():
            raise RuntimeError("uWebSockets.js is not installed: (cd bench/uws && npm ci)")
        command = [
            self.app if part == APPLICATION else part.format(port=self.port, ping=PING_INTERVAL)
            for part in SERVERS[self.kind]
        ]
        self.process = await asyncio.create_subprocess_exec(
            *pinned(SERVER_CORE, command), cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL
        )
        await wait_for_port(self.port)
        self.ps = psutil.Process(self.process.pid)

    def mark(self) -> None:
        assert self.ps is not None
        times = self.ps.cpu_times()
        self._cpu, self._at = times.user + times.system, time.monotonic()

    def cpu(self) -> float:
        """Share of one core used since `mark`."""
        assert self.ps is not None
        times = self.ps.cpu_times()
        return (times.user + times.system - self._cpu) / max(1e-6, time.monotonic() - self._at)

    def rss(self) -> int:
        assert self.ps is not None
        return int(self.ps.memory_info().rss)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


class Group:
    """Several server processes read as one (the workers of the topology)."""

    def __init__(self, pids: list[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]
        self._cpu = 0.0
        self._at = 0.0

    def _seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes)

    def mark(self) -> None:
        self._cpu, self._at = self._seconds(), time.monotonic()

    def cpu(self) -> float:
        return (self._seconds() - self._cpu) / max(1e-6, time.monotonic() - self._at)

    def rss(self) -> int:
        return sum(int(p.memory_info().rss) for p in self.processes)


class Load:
    """A load process (bench/load.py) pinned to the load core, spoken to in JSON lines."""

    def __init__(self, role: str, arguments: list[str], module: str = "bench.load") -> None:
        self.role = role
        self.module = module  # bench.load (its role first), or another load module
        self.arguments = arguments
        self.process: asyncio.subprocess.Process | None = None
        self.lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.progress: dict[str, Any] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        role = [self.role] if self.module == "bench.load" else []
        command = [PYTHON, "-m", self.module, *role, *self.arguments]
        self.process = await asyncio.create_subprocess_exec(
            *pinned(LOAD_CORE, command),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "progress":
                self.progress = message
            else:
                await self.lines.put(message)

    async def expect(self, event: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.role}: no {event!r} within {timeout}s")
            message = await asyncio.wait_for(self.lines.get(), remaining)
            if message.get("event") == event:
                return message

    def send(self, command: str) -> None:
        assert self.process is not None
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
