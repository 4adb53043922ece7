"""HTTP load for the `http` scenario: wrk on the load core, each response checked by a Lua script.

wrk is a Debian package (`apt-get install -y wrk`), not a Python one; the scenario stops with that
advice when it is missing.
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
from typing import Any

from bench import procs

SCRIPT = procs.ROOT / "bench" / "http_check.lua"
MISSING = (
    "the http scenario needs wrk, the HTTP load generator, which is not installed: "
    "`apt-get install -y wrk` (Debian package wrk)"
)


def require() -> str:
    """wrk's path; a clear exit when it is not installed."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(MISSING)
    return found


def children_cpu() -> float:
    """CPU seconds of this process's finished children (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run(
    url: str,
    *,
    connections: int,
    seconds: float,
    marker: str,
    min_bytes: int,
    timeout: float = 10,
) -> dict[str, Any]:
    """Load `url` for `seconds`: wrk's totals, latency in µs, and its CPU seconds (`cpu`)."""
    command = [
        *(require(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"),
        *(f"--timeout={max(1, round(timeout))}s", "-s", str(SCRIPT), url),
        *("--", marker, str(min_bytes)),
    ]
    before = children_cpu()
    # taskset and nice exec wrk itself, so the child reaped here is wrk and its CPU is wrk's.
    process = await asyncio.create_subprocess_exec(
        *procs.pinned(procs.LOAD_CORE, command),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}: {err.decode()[-500:]}{text}")
    for line in text.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
            result["cpu"] = children_cpu() - before
            return result
    raise RuntimeError(f"wrk printed no result line:\n{text[-1000:]}")
