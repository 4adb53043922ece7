"""Sequenced deltas in `seq` order, and the recent ones kept for repair.

Every public delta of an event carries the event's `seq`, assigned inside its transaction under
the event row's lock, so deltas commit in `seq` order. Their broadcasts do not arrive in that
order: each worker sends after its own commit, and with two workers a later delta regularly
overtakes an earlier one on its way through Redis. A client that took every overtaking for a
loss asked for a snapshot each time; with two workers that was 82,435 resyncs in 40 s
(docs/performance.md). So the hub restores the order before any client sees a gap:

- a delta that is next in line is delivered at once, with whatever it unblocks;
- a delta that arrives early is held; if its predecessors have not come within
  `HOLD_SECONDS`, the hub reads them from the event's delta log in the database (one query
  per hub and gap, not per socket) and delivers them in order; only a delta the log no longer
  has is skipped, and clients then repair it as a real gap;
- the last `RECENT` deltas stay in memory, so a client that missed some (it reconnected, or a
  frame was lost) is answered from here ("since seq N") at no database cost.

docs/architecture.md ("Ordering and repair") gives the numbers behind this choice.
"""

from __future__ import annotations

from collections import deque

# How long an early delta waits for the ones before it, before the hub reads the log. An
# overtaking measured on the two-worker topology is a few milliseconds; this is the worst a
# busy worker's send after commit was seen to lag.
HOLD_SECONDS = 0.25
# Deltas kept per public group for "since seq N" repair: minutes of a busy dialogue.
RECENT = 512


class Sequence:
    """The deltas of one group: the last delivered `seq`, the early ones, the recent ones."""

    __slots__ = ("early", "last", "recent")

    def __init__(self) -> None:
        self.last: int | None = None  # unknown until a snapshot or the first hold expires
        self.early: dict[int, str] = {}
        self.recent: deque[tuple[int, str]] = deque(maxlen=RECENT)

    def offer(self, seq: int, text: str) -> list[str]:
        """Take one delta; return the deltas now deliverable, in order."""
        if self.last is not None and seq <= self.last:
            return []  # a duplicate, or older than the snapshot this group started from
        self.early[seq] = text
        return self._drain()

    def start_at(self, seq: int) -> list[str]:
        """Begin after `seq` (a snapshot's) if nothing was delivered yet; return what follows."""
        if self.last is None:
            self.last = seq
            self.early = {s: t for s, t in self.early.items() if s > seq}
        return self._drain()

    def gap(self) -> tuple[int, int] | None:
        """The missing range (after, before), exclusive, when an early delta waits; else None."""
        if not self.early:
            return None
        first = min(self.early)
        if self.last is None:
            return None
        return (self.last, first) if first > self.last + 1 else None

    def skip(self) -> list[str]:
        """Give up on what is missing: deliver from the first early delta on."""
        if not self.early:
            return []
        self.last = min(self.early) - 1
        return self._drain()

    def since(self, seq: int) -> list[str] | None:
        """The delivered deltas after `seq`, or None when memory no longer reaches that far."""
        if self.last is None:
            return None
        if seq >= self.last:
            return []
        if not self.recent or self.recent[0][0] > seq + 1:
            return None
        return [text for number, text in self.recent if number > seq]

    def redact(self, deltas: dict[int, str]) -> None:
        """Replace the text of deltas held here (an erasure rewrote them in the log too)."""
        self.early = {seq: deltas.get(seq, text) for seq, text in self.early.items()}
        recent = [(seq, deltas.get(seq, text)) for seq, text in self.recent]
        self.recent.clear()
        self.recent.extend(recent)

    def _drain(self) -> list[str]:
        ready: list[str] = []
        if self.last is None:
            return ready
        while self.last + 1 in self.early:
            self.last += 1
            text = self.early.pop(self.last)
            self.recent.append((self.last, text))
            ready.append(text)
        return ready
