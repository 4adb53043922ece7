"""The SQL of storing votes in batches (dialogue/services.py, `cast_ballots`).

Plain SQL that SQLite (3.35+) and PostgreSQL both run: a vote batch is the hottest write of a
live dialogue, and on its path the ORM's query building cost more than the database (≈ 0.7 ms of
Python per query against ≈ 0.06 ms for the same statement as text; docs/performance.md). Each
function is one statement over every row of the batch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from dialogue.models import Participant, Question, Vote
from events.models import Event


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def facts(
    participant_ids: Collection[int], question_ids: Collection[int]
) -> tuple[dict[int, tuple[Event, bool, bool]], dict[int, int]]:
    """What a batch is decided on, in one round trip: participants and public questions.

    Each participant's event (what voting depends on: its status and switch), ban, and whether
    they joined while the dialogue was open; and the event id of each of the questions that the
    public may see (and vote for): published, and not erased (a tombstone's votes stay counted
    as they were, never changed).
    """
    if not participant_ids or not question_ids:
        return {}, {}  # every ballot has both: an empty batch
    statuses = Question.PUBLIC_STATUSES
    rows = _fetch(
        f"SELECT 'p', p.id, CAST(p.banned_at IS NOT NULL AS INTEGER), e.id, e.status, "
        f"CAST(e.voting_closed AS INTEGER), CAST(p.joined_while_open AS INTEGER) "
        f"FROM {_table(Participant)} p JOIN {_table(Event)} e ON e.id = p.event_id "
        f"WHERE p.id IN ({_marks(len(participant_ids))}) "
        f"UNION ALL "
        f"SELECT 'q', id, NULL, event_id, NULL, NULL, NULL FROM {_table(Question)} "
        f"WHERE id IN ({_marks(len(question_ids))}) AND status IN ({_marks(len(statuses))}) "
        f"AND erased_at IS NULL",
        [*participant_ids, *question_ids, *statuses],
    )
    events: dict[int, Event] = {}
    participants: dict[int, tuple[Event, bool, bool]] = {}
    questions: dict[int, int] = {}
    for kind, pk, banned, event_id, status, voting_closed, was_there in rows:
        if kind == "q":
            questions[pk] = event_id
            continue
        if event_id not in events:
            events[event_id] = Event(pk=event_id, status=status, voting_closed=bool(voting_closed))
        participants[pk] = (events[event_id], bool(banned), bool(was_there))
    return participants, questions


def stores_in_one_statement() -> bool:
    """Whether a round of ballots is written by `store_round` (PostgreSQL) or step by step."""
    return connection.vendor == "postgresql"


def store_round(ups: list[tuple[int, int]], downs: list[tuple[int, int]]) -> dict[int, int]:
    """Insert `ups`, delete `downs` and add the difference to the counts, in one statement.

    PostgreSQL only (data-modifying WITH): one round trip, and outside a transaction its own,
    where `insert_votes`, `delete_votes` and `add_to_counts` take three and a commit. Returns
    the new count of every question whose count changed. At most one ballot per participant and
    question (`services._rounds`); the counted rows are locked in id order, as in
    `add_to_counts`.
    """
    vote, question = _table(Vote), _table(Question)
    return dict(
        _fetch(
            f"WITH new_votes AS ("
            f"  INSERT INTO {vote} (participant_id, question_id, created_at)"
            f"  SELECT p, q, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, q)"
            f"  ON CONFLICT (participant_id, question_id) DO NOTHING RETURNING question_id"
            f"), gone AS ("
            f"  DELETE FROM {vote} v USING unnest(%s::bigint[], %s::bigint[]) AS t(p, q)"
            f"  WHERE v.participant_id = t.p AND v.question_id = t.q RETURNING v.question_id"
            f"), changes AS ("
            f"  SELECT question_id, SUM(change) AS change FROM ("
            f"    SELECT question_id, 1 AS change FROM new_votes"
            f"    UNION ALL SELECT question_id, -1 FROM gone"
            f"  ) AS c GROUP BY question_id HAVING SUM(change) <> 0"
            f"), locked AS ("
            f"  SELECT id FROM {question} WHERE id IN (SELECT question_id FROM changes)"
            f"  ORDER BY id FOR UPDATE"
            f") "
            f"UPDATE {question} q SET vote_count = q.vote_count + c.change FROM changes c "
            f"WHERE q.id = c.question_id AND q.id IN (SELECT id FROM locked) "
            f"RETURNING q.id, q.vote_count",
            [
                timezone.now(),
                [p for p, _ in ups],
                [q for _, q in ups],
                [p for p, _ in downs],
                [q for _, q in downs],
            ],
        )
    )


def insert_votes(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Insert (participant, question) votes; return the ones that were not there yet."""
    if not pairs:
        return []
    # The unique constraint decides: ON CONFLICT DO NOTHING ... RETURNING tells which rows are
    # new, which Django's bulk_create cannot report.
    now = timezone.now()
    rows = ", ".join(["(%s, %s, %s)"] * len(pairs))
    return [
        (participant_id, question_id)
        for participant_id, question_id in _fetch(
            f"INSERT INTO {_table(Vote)} (participant_id, question_id, created_at) "
            f"VALUES {rows} ON CONFLICT (participant_id, question_id) DO NOTHING "
            "RETURNING participant_id, question_id",
            [value for pair in pairs for value in (*pair, now)],
        )
    ]


def delete_votes(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Delete (participant, question) votes; return the ones that were there."""
    if not pairs:
        return []
    # RETURNING, so that a vote taken back twice at once is subtracted once.
    condition = " OR ".join(["(participant_id = %s AND question_id = %s)"] * len(pairs))
    return [
        (participant_id, question_id)
        for participant_id, question_id in _fetch(
            f"DELETE FROM {_table(Vote)} WHERE {condition} RETURNING participant_id, question_id",
            [value for pair in pairs for value in pair],
        )
    ]


def add_to_counts(changes: dict[int, int]) -> dict[int, int]:
    """Add each question's change to its vote count; return the new counts."""
    if not changes:
        return {}
    ids = sorted(changes)
    cases = " ".join(["WHEN %s THEN %s"] * len(ids))
    params = [value for pk in ids for value in (pk, changes[pk])] + ids
    table = _table(Question)
    if connection.features.has_select_for_update:
        # The rows are locked in one order (by id) first, so two workers' batches cannot
        # deadlock on them; one statement, as the lock is taken inside the UPDATE's subquery.
        where = (
            f"id IN (SELECT id FROM {table} WHERE id IN ({_marks(len(ids))}) "
            "ORDER BY id FOR UPDATE)"
        )
    else:
        where = f"id IN ({_marks(len(ids))})"  # SQLite: one writer at a time anyway
    return dict(
        _fetch(
            f"UPDATE {table} SET vote_count = vote_count + CASE id {cases} ELSE 0 END "
            f"WHERE {where} RETURNING id, vote_count",
            params,
        )
    )


def vote_counts(ids: Collection[int]) -> dict[int, int]:
    """The current vote count of each question."""
    if not ids:
        return {}
    rows = _fetch(
        f"SELECT id, vote_count FROM {_table(Question)} WHERE id IN ({_marks(len(ids))})",
        list(ids),
    )
    return dict(rows)
