"""The `idle` scenario: --idle-participants idle sockets; the server's CPU % and RSS per socket,
no traffic.
"""

from __future__ import annotations

import asyncio
import time

import psutil

from bench import procs
from bench.harness import (
    IDLE_CPU_TARGET,
    IDLE_KB_TARGET,
    IDLE_PING,
    IDLE_SETTLE,
    Bench,
    Row,
    _sync,
    core_busy,
)


async def run(bench: Bench) -> None:
    """--idle-participants idle sockets: the server's CPU % and RSS per socket, no traffic."""
    from bench.seed import new_event

    options = bench.options
    count = options.idle_participants
    for kind in bench.servers_bare_last():
        await bench.flush_redis()
        _, slug, _, _ = await _sync(new_event, f"idle-{kind}", approved=20, voters=0, text_size=200)
        label = f"idle {kind} n={count}"
        bench.say(
            f"== {label}: join at {options.idle_join_rate:g}/s, "
            f"then {options.idle_seconds:g}s with no broadcasts and no votes"
        )
        server = procs.Server(kind, bench.port, bench.env)
        await server.start()
        sinks = None
        try:
            await asyncio.sleep(IDLE_SETTLE)  # the server's start-up done
            rss_before = server.rss()
            sinks = procs.Load(
                "sinks",
                [
                    *("--port", str(bench.port), "--path", f"/ws/events/{slug}/"),
                    *("--count", str(count), "--rate", str(options.idle_join_rate)),
                ],
            )
            await sinks.start()
            ready = await bench.wait_ready(sinks, count)
            bench.say(
                f"    joined: {ready['opened']} ({ready['failed']} failed) in "
                f"{ready['join_seconds']}s; settling {IDLE_SETTLE:g}s"
            )
            await asyncio.sleep(IDLE_SETTLE)
            await bench.wait_for_quiet()
            sinks.send("mark")
            server.mark()
            cores = psutil.cpu_times(percpu=True)
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < options.idle_seconds:
                await asyncio.sleep(min(10.0, options.idle_seconds - elapsed))
                bench.say(
                    f"    {label} t={time.monotonic() - started:4.1f}s "
                    f"server CPU {server.cpu() * 100:.1f}%"
                )
            row = Row("idle", kind, ready["opened"], f"idle {options.idle_seconds:g}s")
            row.server_cpu = round(server.cpu() * 100, 1)
            busy = core_busy(cores, psutil.cpu_times(percpu=True))
            rss_after = server.rss()
            row.server_rss_mb = round(rss_after / 2**20, 1)
            sinks.send("stop")
            result = await sinks.expect("result", 30)
            row.generator_cpu = round(result["cpu"] * 100, 1)
            row.delivered, row.expected = ready["opened"], count
            row.errors = ready["failed"] + result["lost"] + result["closed"]
            per_socket = (rss_after - rss_before) / 1024 / max(1, ready["opened"])
            cpu_met = "met" if row.server_cpu <= IDLE_CPU_TARGET else "MISSED"
            rss_met = "met" if per_socket <= IDLE_KB_TARGET else "MISSED"
            row.notes.append(
                f"{row.server_cpu:.1f}% CPU over {options.idle_seconds:g}s "
                f"(≤ {IDLE_CPU_TARGET:g}%: {cpu_met}); {per_socket:.1f} KB RSS per socket "
                f"(≤ {IDLE_KB_TARGET:g} KB: {rss_met}), {rss_before / 2**20:.1f} MB before "
                f"the joins; in the window {result['frames']} frames, {result['closed']} "
                f"closed by the server; {result['lost']} lost since joining"
            )
            if options.idle_seconds < IDLE_PING:
                row.notes.append(f"window shorter than the {IDLE_PING:g}s keepalive pings")
            bench.flag(row, busy)
            bench.record(row)
        finally:
            if sinks is not None:
                await sinks.stop()
            await server.stop()
