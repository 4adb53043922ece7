"""The bench's table and its plot of latency against participants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLUMNS = [
    ("scenario", "scenario"),
    ("server", "server"),
    ("participants", "clients"),
    ("rate", "rate"),
    ("p50", "p50 ms"),
    ("p99", "p99 ms"),
    ("max", "max ms"),
    ("delivered", "delivered/expected"),
    ("deliveries_per_s", "deliveries/s"),
    ("errors", "errors"),
    ("server_cpu", "server CPU %"),
    ("server_rss_mb", "server RSS MB"),
    ("generator_cpu", "generator CPU %"),
    ("valid", "valid"),
]


def cell(row: Any, key: str) -> str:
    value = getattr(row, key)
    if key == "delivered":
        return f"{row.delivered:,}/{row.expected:,}"
    if key == "valid":
        notes = "; ".join(row.notes)
        return ("yes" if value else "NO") + (f" ({notes})" if notes else "")
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if key != "deliveries_per_s" else f"{value:,.0f}"
    if isinstance(value, int) and key != "participants":
        return f"{value:,}"
    return str(value)


def table(rows: list[Any], header: bool = True) -> str:
    """A Markdown table, one line per row."""
    lines = []
    if header:
        lines.append("| " + " | ".join(title for _, title in COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
    for row in rows:
        lines.append("| " + " | ".join(cell(row, key) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def plot(rows: list[Any], path: Path) -> None:
    """p50 and p99 latency against participants (fan-out), one line per server."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fanout = [row for row in rows if row.scenario == "fanout" and row.p99 is not None]
    capacity = [row for row in rows if row.scenario == "capacity" and row.p99 is not None]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for server in sorted({row.server for row in fanout}):
        mine = sorted((row for row in fanout if row.server == server), key=lambda r: r.participants)
        xs = [row.participants for row in mine]
        left.plot(xs, [row.p99 for row in mine], marker="o", label=f"{server} p99")
        left.plot(xs, [row.p50 for row in mine], marker=".", linestyle="--", label=f"{server} p50")
    left.set_xlabel("participants (one event)")
    left.set_ylabel("latency, ms (commit to client)")
    left.set_title("Fan-out: approvals + tallies")
    left.set_yscale("log")
    left.grid(True, alpha=0.3)
    if fanout:
        left.legend(fontsize=8)
    for server in sorted({row.server for row in capacity}):
        mine = [row for row in capacity if row.server == server]
        right.plot(
            [row.deliveries_per_s for row in mine],
            [row.p99 for row in mine],
            marker="o",
            label=f"{server} p99",
        )
    right.axhline(250, color="grey", linestyle=":", label="p99 bound 250 ms")
    right.set_xlabel("deliveries per second (one server core)")
    right.set_ylabel("p99 latency, ms")
    right.set_title("Capacity: rising broadcast rate")
    right.set_yscale("log")
    right.grid(True, alpha=0.3)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
