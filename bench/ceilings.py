"""Scenario `ceilings`: this project's fan-out against three broadcast servers with no application.

The fan-out scenario's load (approvals of ~1 KB at --rate plus 4 tallies/s, the same frames,
sinks and probes, the server pinned to its core) against, in turn, uWebSockets.js
(bench/uws/server.js), picows (bench/picows_server.py), bare `websockets` (bench/bare_server.py)
and this project under uvicorn and daphne. For each: CPU per delivered frame (µs) and RSS per
socket (KB, once every participant has joined and before any broadcast), and each as a ratio to
uWebSockets.js's. The targets (DESIGN.md): CPU ≤ 1.25 × uWebSockets.js's, ≤ 10 KB per idle
participant.

    (cd bench/uws && npm ci)
    python -m bench.run ceilings --participants 5000 --rate 10 --duration 20
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.harness import Bench, Row

CPU_RATIO_TARGET = 1.25
KB_TARGET = 10.0


async def run(bench: Bench) -> None:
    from bench import procs
    from bench.fanout import fanout_one

    options = bench.options
    servers = options.ceilings_servers
    if "uws" in servers and not procs.UWS_MODULES.exists():
        bench.say("== ceilings: uWebSockets.js skipped, not installed: (cd bench/uws && npm ci)")
        servers = [kind for kind in servers if kind != "uws"]
    for participants in options.participants:
        rows: list[tuple[Row, tuple[float, float]]] = []
        for kind in servers:
            before = os.getloadavg()
            row = await fanout_one(bench, kind, participants, options.rate, options.duration)
            rows.append((row, (before[0], os.getloadavg()[0])))
        summary = table(rows)
        bench.say(summary)
        (bench.out / f"ceilings-{participants}.md").write_text(summary + "\n")
        (bench.out / f"ceilings-{participants}.json").write_text(
            json.dumps(
                [
                    {
                        "server": row.server,
                        "cpu_us_per_delivery": row.cpu_us_per_delivery,
                        "rss_joined_kb": row.rss_joined_kb,
                        "rss_end_kb": row.rss_end_kb,
                        "load": load,
                    }
                    for row, load in rows
                ]
            )
        )


def table(rows: list[tuple[Row, tuple[float, float]]]) -> str:
    reference = next((row for row, _ in rows if row.server == "uws"), None)
    lines = [
        "| server | clients | delivered/expected | p99 ms | deliveries/s | server CPU % | "
        "CPU µs per delivery | × uWS | RSS KB per socket (joined / end) | × uWS | "
        "load avg before → after |",
        "|" + "---|" * 11,
    ]
    for row, (before, after) in rows:
        cpu_ratio = _ratio(row.cpu_us_per_delivery, reference and reference.cpu_us_per_delivery)
        kb_ratio = _ratio(row.rss_joined_kb, reference and reference.rss_joined_kb)
        lines.append(
            f"| {row.server} | {row.participants:,} | {row.delivered:,}/{row.expected:,} | "
            f"{row.p99} | {row.deliveries_per_s:,.0f} | {row.server_cpu} | "
            f"{row.cpu_us_per_delivery} | {cpu_ratio} | {row.rss_joined_kb} / {row.rss_end_kb} | "
            f"{kb_ratio} | {before:.2f} → {after:.2f} |"
        )
    lines.append(
        f"\nTargets: CPU per delivery ≤ {CPU_RATIO_TARGET:g} × uWebSockets.js's; "
        f"≤ {KB_TARGET:g} KB per idle participant."
    )
    return "\n".join(lines)


def _ratio(value: float | None, reference: float | None) -> str:
    return "-" if not value or not reference else f"{value / reference:.2f}"
