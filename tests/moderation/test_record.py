"""A question's life has one owner: nothing but `moderation/record.py` writes its lifecycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from moderation.record import LIFECYCLE_FIELDS
from tests.source import parse

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "consultation", "dialogue", "erasure", "events", "live", "moderation", "reports")
OWNER = ROOT / "moderation" / "record.py"
# Fields no other model has: a write of one of them is a question's, whatever it is called;
# except `merged_into`, which an agency has too (events/services/agencies.py): an agency's writes
# are told apart by their receiver's name.
QUESTION_ONLY = {
    "answer_due_at",
    "due_extended_at",
    "due_extension_reason",
    "answered_at",
    "answered_how",
    "routed_to",
    "merged_into",
    "stage",
    "queue_position",
    "original_text",
}


def lifecycle_writes(source: str) -> list[str]:
    """Each `save(update_fields=…)` or `update(…)` of a question's lifecycle field, as text."""
    found = []
    for node in ast.walk(parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = ast.unparse(node.func.value)
        if "agency" in receiver.lower() or "agencies" in receiver.lower():
            continue  # an agency's merge, not a question's
        named = "question" in receiver.lower() or receiver in ("source", "target", "current")
        if node.func.attr == "update":
            fields = {keyword.arg for keyword in node.keywords}
        elif node.func.attr == "save":
            fields = set()
            for keyword in node.keywords:
                if keyword.arg == "update_fields":
                    fields |= {
                        element.value
                        for element in ast.walk(keyword.value)
                        if isinstance(element, ast.Constant) and isinstance(element.value, str)
                    }
                    if not isinstance(keyword.value, ast.List | ast.Tuple):
                        fields.add("status")  # computed: assume the worst
            if not node.keywords and named:
                fields.add("status")  # a whole-row save writes every field
        else:
            continue
        if fields & (set(LIFECYCLE_FIELDS) if named else QUESTION_ONLY):
            found.append(ast.unparse(node))
    return found


def app_sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path != OWNER
    ]


def test_nothing_but_the_record_writes_a_question_lifecycle():
    offenders = {
        str(path.relative_to(ROOT)): writes
        for path in app_sources()
        if (writes := lifecycle_writes(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "code",
    [
        # The end-of-dialogue reroute as it was: no version, no audit entry, no frame.
        "left = Question.objects.filter(event=event)\n"
        "left.filter(answer_due_at__isnull=True).update(answer_due_at=due, stage='')",
        "question.status = 'answered'\nquestion.save(update_fields=['status'])",
        "Question.objects.filter(pk=1).update(status='answered')",
        "question.save()",
    ],
)
def test_the_check_catches_a_write_outside_the_record(code):
    assert lifecycle_writes(code)


def test_the_record_itself_is_where_the_writes_are():
    # The transitions' one save, and the tombstone's.
    assert len(lifecycle_writes(OWNER.read_text())) == 2
