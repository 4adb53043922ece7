"""The `votes` scenario: a vote storm of --vote-rate votes/s with bursts of 3x; database =
accepted = tallies.
"""

from __future__ import annotations

from bench import procs
from bench.harness import (
    PROBES,
    Bench,
    Row,
    _ms,
    _seconds,
    _sync,
    _vote_counts,
    _vote_rows,
    percentile,
)


async def run(bench: Bench) -> None:
    """A vote storm: --vote-rate votes/s with bursts of 3x; database = accepted = tallies."""
    from bench.seed import new_event

    options = bench.options
    for kind in [k for k in options.servers if k not in procs.CEILINGS]:
        await bench.flush_redis()
        questions = 800
        event_id, slug, _, cookies = await _sync(
            new_event, f"votes-{kind}", approved=questions, voters=PROBES, text_size=60
        )
        server = procs.Server(kind, bench.port, bench.env)
        label = f"votes {kind}"
        rates = f"{options.vote_rate:g} votes/s, bursts of {3 * options.vote_rate:g}/s"
        bench.say(
            f"== {label}: {rates}, {options.vote_seconds:g}s; "
            f"{options.vote_participants} participants"
        )
        await server.start()
        sinks = probes = None
        try:
            # Wait for the last replies and tallies before reading what clients saw.
            sinks, probes, _ = await bench.connect(
                bench.port, slug, options.vote_participants, cookies, options.join_rate, settle=120
            )

            row = Row("votes", kind, options.vote_participants, f"{options.vote_rate:g}/s +3x")
            _, _, probe_result = await bench.measure(
                row=row,
                server=server,
                sinks=sinks,
                probes=probes,
                duration=options.vote_seconds,
                drive=bench.storm(probes, label),
                vote_rate=0.0001,
            )
            counts = await _sync(_vote_counts, event_id)
            database = sum(counts.values())
            stored = await _sync(_vote_rows, event_id)
            exact = sum(
                1
                for seen in probe_result["last_tallies"]
                if all(seen.get(str(pk), 0) == n for pk, n in counts.items())
            )
            acks = probe_result["acks"]
            row.p50, row.p99, row.max = (
                percentile(acks, 0.5),
                percentile(acks, 0.99),
                percentile(acks, 1.0),
            )
            row.delivered, row.expected = probe_result["accepted"], probe_result["sent_votes"]
            elapsed = probe_result["elapsed"] or 1
            tallies_per_s = probe_result["tallies"] / max(1, probe_result["opened"]) / elapsed
            # The storm's bursts are the last 2 s of every 10 s (see `storm`).
            in_bursts = [ms for t, ms in probe_result["ack_curve"] if t % 10 >= 8]
            between = [ms for t, ms in probe_result["ack_curve"] if t % 10 < 8]
            row.notes.append(
                f"ack p99 {_ms(_seconds(percentile(in_bursts, 0.99)))} in the bursts, "
                f"{_ms(_seconds(percentile(between, 0.99)))} between them"
            )
            row.notes.append(
                f"ack latency; {probe_result['sent_votes']} offered, "
                f"{probe_result['accepted']} accepted, "
                f"{probe_result['unanswered']} unanswered; "
                f"database {stored} rows / {database} counted; "
                f"last tally exact on {exact}/{len(probe_result['last_tallies'])} clients; "
                f"{tallies_per_s:.1f} tally frames/s per client"
            )
            if not (stored == database == probe_result["accepted"]) or exact < len(
                probe_result["last_tallies"]
            ):
                row.notes.append("NOT EXACT")
            bench.record(row)
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            await server.stop()
