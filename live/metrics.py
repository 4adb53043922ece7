"""What a worker process exposes to Prometheus about its sockets, frames, asks and votes.

Each metric lives in prometheus-client's default registry of this process; every worker is
scraped on its own (docs/operations.md, "Metrics"), so nothing here is shared between processes.
The real-time code calls the small functions below instead of touching the metric objects, so
that a metric can be renamed or relabelled in one place. Nothing here imports an app.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# The audiences a socket can belong to (DESIGN.md, "Audiences are separate groups"). Each one is
# exported from the start, at zero, so that a dashboard shows a flat line rather than no data.
AUDIENCES = ("public", "moderators", "official", "stage", "draft")

# Acknowledgement latencies: the targets are p99 ≤ 100 ms (votes) and ≤ 150 ms (asks).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)

SOCKETS_OPEN = Gauge(
    "doithoai_sockets_open", "Websockets open in this process, by audience.", ["audience"]
)
FRAMES_SENT = Counter("doithoai_frames_sent", "Frames written to sockets by this process.")
FRAME_BYTES_SENT = Counter(
    "doithoai_frame_bytes_sent", "Bytes of frame payload written to sockets by this process."
)
SOCKETS_DROPPED = Counter(
    "doithoai_sockets_dropped_backlog",
    "Sockets closed because their client stopped reading and the backlog filled up.",
)
RESYNCS_SERVED = Counter(
    "doithoai_resyncs_served", "Resync requests answered from the backlog of deltas."
)
SNAPSHOTS_SERVED = Counter("doithoai_snapshots_served", "Full snapshots sent to sockets.")
ASK_ACK_SECONDS = Histogram(
    "doithoai_ask_ack_seconds",
    "From an ask frame read to its acknowledgement sent, in seconds.",
    buckets=ACK_BUCKETS,
)
VOTE_ACK_SECONDS = Histogram(
    "doithoai_vote_ack_seconds",
    "From a vote frame read to its acknowledgement sent, in seconds.",
    buckets=ACK_BUCKETS,
)
VOTE_BATCH_SIZE = Histogram(
    "doithoai_vote_batch_size", "Votes stored per batch (one transaction).", buckets=BATCH_BUCKETS
)

for _audience in AUDIENCES:
    SOCKETS_OPEN.labels(audience=_audience)


def socket_opened(audience: str) -> None:
    """A socket of this audience joined the process's hub."""
    SOCKETS_OPEN.labels(audience=audience).inc()


def socket_closed(audience: str) -> None:
    """A socket of this audience left the process's hub."""
    SOCKETS_OPEN.labels(audience=audience).dec()


def frame_sent(n_bytes: int, sockets: int = 1) -> None:
    """One frame of `n_bytes` written to `sockets` sockets (a broadcast counts each socket)."""
    FRAMES_SENT.inc(sockets)
    FRAME_BYTES_SENT.inc(n_bytes * sockets)


def socket_dropped_for_backlog() -> None:
    """A socket whose client stopped reading was dropped."""
    SOCKETS_DROPPED.inc()


def resync_served() -> None:
    """A resync was answered with the deltas the client missed."""
    RESYNCS_SERVED.inc()


def snapshot_served() -> None:
    """A full snapshot was sent to a socket (on connect, or as the last resort of a resync)."""
    SNAPSHOTS_SERVED.inc()


def ask_acknowledged(seconds: float) -> None:
    """An ask was acknowledged `seconds` after its frame was read."""
    ASK_ACK_SECONDS.observe(seconds)


def vote_acknowledged(seconds: float) -> None:
    """A vote was acknowledged `seconds` after its frame was read."""
    VOTE_ACK_SECONDS.observe(seconds)


def vote_batch_stored(size: int) -> None:
    """A batch of `size` votes was stored in one transaction."""
    VOTE_BATCH_SIZE.observe(size)
