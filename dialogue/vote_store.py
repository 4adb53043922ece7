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
        return cursor.fetchall()


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def participants(ids: Collection[int]) -> dict[int, tuple[Event, bool]]:
    """Each participant's event (what voting depends on: its status and switch) and ban."""
    if not ids:
        return {}
    rows = _fetch(
        f"SELECT p.id, p.banned_at IS NOT NULL, e.id, e.status, e.voting_closed "
        f"FROM {_table(Participant)} p JOIN {_table(Event)} e ON e.id = p.event_id "
        f"WHERE p.id IN ({_marks(len(ids))})",
        list(ids),
    )
    events: dict[int, Event] = {}
    found = {}
    for pk, banned, event_id, status, voting_closed in rows:
        if event_id not in events:
            events[event_id] = Event(pk=event_id, status=status, voting_closed=bool(voting_closed))
        found[pk] = (events[event_id], bool(banned))
    return found


def public_questions(ids: Collection[int]) -> dict[int, int]:
    """The event id of each of these questions that the public may see (and vote for)."""
    if not ids:
        return {}
    statuses = Question.PUBLIC_STATUSES
    rows = _fetch(
        f"SELECT id, event_id FROM {_table(Question)} "
        f"WHERE id IN ({_marks(len(ids))}) AND status IN ({_marks(len(statuses))})",
        [*ids, *statuses],
    )
    return dict(rows)


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
