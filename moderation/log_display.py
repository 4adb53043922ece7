"""The audit log as people read it: each entry's changed fields, named and valued in words.

An entry keeps its before and after as JSON of stored values (`pending`, `True`, a user's id).
The log page shows the fields that changed, each under its translated name and with the label
of its choice, never a raw value or a dictionary. A draft's comment is read through the log's
foreign key and the app registry, by name: moderation does not import consultation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue.models import Question
from events.models import Event, EventRole, User
from events.moments import format_moment
from moderation.models import ModerationLog

Action = ModerationLog.Action

# Names of what the services keep that are not a model's field, or whose field is named otherwise.
_NAMES = {
    "text": gettext_lazy("Text"),
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note to the asker"),
    "routed_to": gettext_lazy("Routed to"),
    "merged_into": gettext_lazy("Merged into"),
    "votes": gettext_lazy("Votes"),
    "moderation": gettext_lazy("Moderation"),
    "intake_closed": gettext_lazy("Questions"),
    "voting_closed": gettext_lazy("Voting"),
    "live_note": gettext_lazy("Live note"),
    "participant": gettext_lazy("Participant"),
    "nickname": gettext_lazy("Nickname"),
    "banned_at": gettext_lazy("Banned"),
    "deleted": gettext_lazy("Deleted"),
    "reply": gettext_lazy("Reply"),
    "draft": gettext_lazy("Draft"),
    "article": gettext_lazy("Article"),
    "clause": gettext_lazy("Clause"),
    "documents": gettext_lazy("Legal documents"),
    "roles": gettext_lazy("Staff"),
}
# Ids the log keeps that are worth no line of their own: the entry's row already says which.
_UNSHOWN = {"participant", "draft", "article", "clause"}


@dataclass(frozen=True)
class Line:
    """One field of one side of an entry: its name and its value, both in words."""

    name: str
    value: str
    quoted: bool = False  # a text someone wrote, shown in quotation marks


@dataclass(frozen=True)
class ShownEntry:
    entry: ModerationLog
    subject: str  # the question's or the comment's text, to say which one it was
    before: list[Line]
    after: list[Line]


def shown_entries(entries: Iterable[ModerationLog]) -> list[ShownEntry]:
    """The entries of one page of the log, ready to show."""
    entries = list(entries)
    names = _user_names(entries)
    shown = []
    for entry in entries:
        model = _model_of(entry)
        changes = [change for change in entry.changes if change[0] not in _UNSHOWN]
        subject = entry.before.get("text") or entry.after.get("text") or ""
        shown.append(
            ShownEntry(
                entry=entry,
                subject=subject if entry.question_id or entry.comment_id else "",
                before=[_line(model, entry, name, old, names) for name, old, _new in changes],
                after=[_line(model, entry, name, new, names) for name, _old, new in changes],
            )
        )
    return shown


def _model_of(entry: ModerationLog) -> type[models.Model]:
    """The model whose fields the entry's before and after hold."""
    if entry.comment_id:
        comment_model: type[models.Model] = ModerationLog._meta.get_field("comment").related_model
        return comment_model
    if entry.question_id or "votes" in entry.before or "votes" in entry.after:
        return Question
    return Event


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    aliases = {
        "reason": "rejection_reason",
        "note": "rejection_note",
        "moderation": "moderation_mode",
    }
    try:
        field = model._meta.get_field(aliases.get(name, name))
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _name(model: type[models.Model], name: str) -> str:
    if name in _NAMES:
        return str(_NAMES[name])
    field = _field(model, name)
    return str(field.verbose_name).capitalize() if field is not None else name


def _line(
    model: type[models.Model], entry: ModerationLog, name: str, value: Any, names: dict[int, str]
) -> Line:
    shown = _value(model, name, value, names)
    return Line(_name(model, name), shown, quoted=name in ("text", "live_note") and bool(value))


def _value(model: type[models.Model], name: str, value: Any, names: dict[int, str]) -> str:
    field = _field(model, name)
    if field is not None and field.choices and value in dict(field.flatchoices):
        return _choice(field, value)  # "" too: a question's stage "" is "In the list"
    if value is None or value == "" or value == []:
        return "—"
    if name in ("intake_closed", "voting_closed"):
        return _("closed") if value in (True, "True") else _("open")
    if name == "routed_to":
        return names.get(int(value), f"#{value}")
    if name in ("merged_into", "participant"):
        return f"#{value}"
    if name == "reply" and isinstance(value, dict):
        reply_model = apps.get_model("consultation", "Reply")
        decision = _choice(reply_model._meta.get_field("disposition"), value.get("disposition"))
        return f"{decision}: {value.get('body', '')}"
    if name == "documents" and isinstance(value, list):
        return "; ".join(" ".join(part for part in row[:2] if part) for row in value)
    if name == "roles" and isinstance(value, list):
        role_field = EventRole._meta.get_field("role")
        return "; ".join(
            f"{names.get(user_id, f'#{user_id}')} · {_choice(role_field, role)}"
            + (f" ({title})" if title else "")
            for user_id, role, title in value
        )
    if isinstance(field, models.BooleanField) or isinstance(value, bool):
        return _("yes") if value in (True, "True") else _("no")
    if isinstance(field, models.DateTimeField) or name == "banned_at":
        moment = parse_datetime(str(value))
        if moment is not None:
            return format_moment(moment)
    if field is not None and field.choices:
        return _choice(field, value)
    return str(value)


def _choice(field: Any, value: Any) -> str:
    """The label of a stored choice; an unknown one as it is (a choice removed since)."""
    return str(dict(field.flatchoices).get(value, value))


def _user_names(entries: list[ModerationLog]) -> dict[int, str]:
    """The public names of the people the page's entries route to or give a role, in one query."""
    ids: set[int] = set()
    for entry in entries:
        for side in (entry.before, entry.after):
            if isinstance(side.get("routed_to"), int):
                ids.add(side["routed_to"])
            for row in side.get("roles") or []:
                ids.add(int(row[0]))
    return {user.pk: user.public_name for user in User.objects.filter(pk__in=ids)}
