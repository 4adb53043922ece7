"""The `http` scenario: the event page and the catalogue under HTTP load, against a bare Django
view.
"""

from __future__ import annotations

import asyncio

import psutil

from bench import procs
from bench.harness import (
    HTTP_APP,
    HTTP_QUESTIONS,
    HTTP_WARMUP,
    Bench,
    Row,
    _fetch,
    _pg_connections,
    _sync,
    core_busy,
)


async def run(bench: Bench) -> None:
    """(g) The event page and the catalogue under HTTP load, against a bare Django view."""
    from bench import wrk
    from bench.http_urls import BARE_BODY, BARE_PATH
    from bench.seed import new_event

    wrk.require()
    options = bench.options
    kinds = [kind for kind in options.servers if kind not in procs.CEILINGS]  # no HTTP there
    if not kinds:
        bench.say("== http: skipped, --servers names no Django server")
        return
    await bench.collect_static()
    event_id, slug, _, _ = await _sync(new_event, "http", approved=HTTP_QUESTIONS, voters=0)
    title, listed = await _sync(_http_catalogue, event_id)
    shown = ", ".join(f"{count} {group}" for group, count in listed.items())
    bench.say(f"== http: {HTTP_QUESTIONS} approved questions on /e/{slug}/; catalogue {shown}")
    # The bare view first: each page's row gives its ratio to it.
    pages = [
        ("bare view", BARE_PATH, BARE_BODY),
        ("event page", f"/e/{slug}/", title),
        ("catalogue", "/", title),
    ]
    # Django's ASGI handler runs each request's view in a thread of its own, so a connection
    # kept for CONN_MAX_AGE stays open with the thread gone: one per request until garbage
    # collection, past max_connections under load. The settings use Django's psycopg pool
    # instead; --http-no-pool serves with CONN_MAX_AGE=60 to show the difference.
    env = {**bench.env, "DATABASE_POOL": "0" if options.http_no_pool else "1"}
    if options.http_no_pool:
        env["CONN_MAX_AGE"] = "60"
    for kind in kinds:
        await bench.flush_redis()
        server = procs.Server(kind, bench.port, env, app=HTTP_APP)
        await server.start()
        try:
            rows = {}
            for name, path, marker in pages:
                rows[name] = await http_one(bench, server, kind, name, path, marker)
            bare = rows["bare view"].deliveries_per_s
            rows["bare view"].notes.insert(0, f"a constant {len(BARE_BODY)}-byte HttpResponse")
            rows["event page"].notes.insert(0, f"{HTTP_QUESTIONS} questions of ~860 chars")
            rows["catalogue"].notes.insert(0, shown)
            for name in ("event page", "catalogue"):
                row = rows[name]
                ratio = row.deliveries_per_s / bare if bare else 0.0
                row.notes.insert(0, f"{ratio:.2f} × the bare view's req/s")
            for name in ("event page", "catalogue", "bare view"):
                bench.record(rows[name])
        finally:
            await server.stop()


async def http_one(
    bench: Bench, server: procs.Server, kind: str, name: str, path: str, marker: str
) -> Row:
    """Check one page is real, warm it up, then load it for --http-seconds with wrk."""
    from bench import wrk

    options = bench.options
    url = f"http://127.0.0.1:{bench.port}{path}"
    status, body = await asyncio.to_thread(_fetch, url)
    if status != 200 or marker.encode() not in body:
        raise RuntimeError(
            f"http {kind}: GET {path} gave {status}, {len(body):,} bytes, "
            f"{'with' if marker.encode() in body else 'without'} {marker!r}: not the page"
        )
    # A response counts as good only with status 200, the marker and 90 % of this size.
    floor = len(body) * 9 // 10
    connections = options.http_connections
    load = {"connections": connections, "marker": marker, "min_bytes": floor}
    label = f"http {kind} {name}"
    bench.say(f"    {label}: {len(body):,} bytes; warming up {HTTP_WARMUP:g}s")
    await wrk.run(url, seconds=HTTP_WARMUP, **load)
    await bench.drain(server)  # the warm-up's queue, which would count as another's load
    await bench.wait_for_quiet()
    server.mark()
    cores = psutil.cpu_times(percpu=True)
    result = await wrk.run(url, seconds=options.http_seconds, **load)
    row = Row("http", kind, connections, name)
    row.server_cpu = round(server.cpu() * 100, 1)
    busy = core_busy(cores, psutil.cpu_times(percpu=True))
    row.server_rss_mb = round(server.rss() / 2**20, 1)
    elapsed = result["duration_us"] / 1e6
    row.p50, row.p99, row.max = (
        round(result["p50"] / 1000, 1),
        round(result["p99"] / 1000, 1),
        round(result["max"] / 1000, 1),
    )
    row.delivered, row.expected = result["good"], result["requests"]
    row.deliveries_per_s = round(result["good"] / elapsed, 1)
    socket_errors = sum(result[key] for key in ("connect", "read", "write", "timeout"))
    row.errors = result["bad"] + socket_errors
    row.generator_cpu = round(result["cpu"] / elapsed * 100, 1)
    if row.generator_cpu > 90:
        row.valid = False
        row.notes.append("generator saturated")
    await bench.drain(server)
    left = await _sync(_pg_connections)
    row.notes.append(
        f"deliveries/s = req/s; {result['bytes'] / max(1, result['requests']) / 1024:.1f} KB "
        f"per response; {result['bad']} not the page, {socket_errors} socket errors; "
        f"{left} DB connections left "
        f"({'CONN_MAX_AGE=60, no pool' if bench.options.http_no_pool else 'psycopg pool'})"
    )
    bench.flag(row, busy)
    bench.say(
        f"    {label}: {row.deliveries_per_s:,.0f} req/s, p99 {row.p99} ms, "
        f"{row.errors} errors, server CPU {row.server_cpu}%"
    )
    return row


def _http_catalogue(keep: int) -> tuple[str, dict[str, int]]:
    """End the bench's other live dialogues: the catalogue then shows one live, and the past."""
    # Every scenario leaves a live dialogue behind; without this the catalogue would list every
    # one of them ever seeded, and its size would depend on the bench database's history.
    from dialogue import selectors
    from events.models import Event

    live = Event.objects.filter(agency__slug="bench", status=Event.Status.LIVE)
    live.exclude(pk=keep).update(status=Event.Status.ENDED)
    groups = selectors.catalogue()
    return Event.objects.get(pk=keep).title, {name: len(found) for name, found in groups.items()}
