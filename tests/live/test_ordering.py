"""The order of sequenced deltas, restored before any client sees it (live/ordering.py)."""

from __future__ import annotations

from live.ordering import RECENT, Sequence


def started(at: int = 0) -> Sequence:
    sequence = Sequence()
    assert sequence.start_at(at) == []
    return sequence


def test_a_delta_next_in_line_is_delivered_at_once():
    sequence = started()
    assert sequence.offer(1, "a") == ["a"]
    assert sequence.offer(2, "b") == ["b"]
    assert sequence.last == 2


def test_an_early_delta_waits_for_the_ones_before_it_then_all_go_in_order():
    sequence = started()
    assert sequence.offer(3, "c") == []
    assert sequence.offer(2, "b") == []
    assert sequence.gap() == (0, 2)
    assert sequence.offer(1, "a") == ["a", "b", "c"]
    assert sequence.gap() is None


def test_duplicates_and_deltas_older_than_the_start_are_dropped():
    sequence = started(5)
    assert sequence.offer(5, "old") == []
    assert sequence.offer(6, "f") == ["f"]
    assert sequence.offer(6, "f again") == []


def test_deltas_before_the_first_snapshot_wait_and_older_ones_are_dropped_at_the_start():
    sequence = Sequence()
    assert sequence.offer(4, "d") == []
    assert sequence.offer(6, "f") == []
    assert sequence.gap() is None  # no start yet: nothing can be called missing
    assert sequence.start_at(5) == ["f"]


def test_skipping_a_gap_delivers_from_the_first_early_delta_on():
    sequence = started()
    sequence.offer(3, "c")
    sequence.offer(4, "d")
    assert sequence.skip() == ["c", "d"]
    assert sequence.last == 4


def test_since_answers_from_memory_or_says_it_cannot():
    sequence = started()
    for seq in range(1, RECENT + 11):
        sequence.offer(seq, str(seq))
    assert sequence.since(RECENT + 10) == []
    assert sequence.since(RECENT + 7) == [str(RECENT + 8), str(RECENT + 9), str(RECENT + 10)]
    assert sequence.since(10) == [str(n) for n in range(11, RECENT + 11)]
    assert sequence.since(9) is None  # the oldest kept is 11
    assert Sequence().since(0) is None
