"""The audit log, screening lists and bans; and the admin pages that change what citizens see.

The admin of questions, participants and dialogues is registered by their own apps; here it is
registered again with an audit entry for each change a citizen can see, since the apps below
moderation cannot write its log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dialogue.admin import ParticipantAdmin, QuestionAdmin
from dialogue.models import Participant, Question
from events.admin import EventAdmin
from events.models import Event, User
from events.selectors import event_public_state
from live.errors import DomainError
from moderation import record, services
from moderation.models import AgencyBan, BannedWord, ModerationLog

M = TypeVar("M", bound=models.Model)


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin[ModerationLog]):
    list_display = ["created_at", "event", "actor", "action", "question"]
    list_filter = ["action", "event"]
    readonly_fields = ["event", "question", "actor", "action", "before", "after", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The log is written by the moderation services only.

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin[BannedWord]):
    list_display = ["phrase", "agency"]
    list_filter = ["agency"]
    search_fields = ["phrase"]


@admin.register(AgencyBan)
class AgencyBanAdmin(admin.ModelAdmin[AgencyBan]):
    list_display = ["user", "agency", "reason", "banned_by", "created_at"]
    raw_id_fields = ["user", "banned_by"]


class AuditedAdmin(admin.ModelAdmin[M]):
    """Writes an audit entry, with the actor and the state before and after, for each change.

    The state is what citizens can see of the object; an edit that leaves it alone is not
    logged. The "after" is taken once the inline rows are saved too (`save_related`).
    """

    def audited_state(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def audited_event(self, obj: Any) -> Event:
        raise NotImplementedError

    def audited_question(self, obj: Any) -> Question | None:
        return None

    def _record(self, request: HttpRequest, obj: Any, before: dict[str, Any]) -> None:
        services.record_change(
            actor=request.user,  # type: ignore[arg-type]
            event=self.audited_event(obj),
            question=self.audited_question(obj),
            before=before,
            after=self.audited_state(obj),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        request._audit_before = self.audited_state(stored) if stored is not None else {}  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        obj.refresh_from_db()
        self._record(request, obj, getattr(request, "_audit_before", {}))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            event, question = self.audited_event(obj), self.audited_question(obj)
            before = self.audited_state(obj)
            super().delete_model(request, obj)
            services.record_change(
                actor=request.user,  # type: ignore[arg-type]
                event=event,
                question=None if question is obj else question,
                before=before,
                after={"deleted": True},
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    @contextmanager
    def audited_each(self, request: HttpRequest, queryset: QuerySet[Any]) -> Iterator[None]:
        """Audit a bulk action: the state of each selected object before and after it."""
        with transaction.atomic():
            objects = list(queryset)
            before = {obj.pk: self.audited_state(obj) for obj in objects}
            yield
            for obj in objects:
                obj.refresh_from_db()
                self._record(request, obj, before[obj.pk])


def _staff(request: HttpRequest) -> User:
    """The signed-in staff member, the actor of what they do in the admin."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


class RecordQuestionAdmin(QuestionAdmin):
    """Questions in the admin change only through their record (`moderation/record.py`).

    The text and the topic can be corrected here, and the selected questions approved or not
    selected; each goes through the same transition as in the console, so it is versioned,
    audited and announced. Nothing else of a question's life is editable here, and a question
    is never deleted here: its asker erases it (`erasure/`).
    """

    fields = ["event", "author", "text", "topic", "original_text", "status", "stage"]
    readonly_fields = [
        "event",
        "author",
        "original_text",
        "status",
        "stage",
        "routed_to",
        "answered_at",
        "answered_how",
        "answer_due_at",
        "closed_at",
        "erased_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        actor = _staff(request)
        with transaction.atomic():
            question = record.lock(obj.event, obj.pk)
            if "text" in form.changed_data:
                question = record.edit_text(
                    actor=actor, event=obj.event, question=question, text=obj.text
                )
            if "topic" in form.changed_data:
                record.tag(actor=actor, event=obj.event, question=question, topic=obj.topic)

    actions = ["approve", "reject"]

    @admin.action(description=_("Approve: publish the selected questions"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        actor = _staff(request)
        done = 0
        for question in queryset.select_related("event"):
            try:
                services.do_approve_question(
                    actor=actor, event=question.event, question_id=question.pk
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{question}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%d question published.", "%d questions published.", done) % done,
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject: hide the selected questions"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        actor = _staff(request)
        done = 0
        for question in queryset.select_related("event"):
            services.do_reject_question(
                actor=actor,
                event=question.event,
                question_id=question.pk,
                reason=Question.RejectionReason.OTHER,
            )
            done += 1
        self.message_user(
            request,
            ngettext("%d question hidden.", "%d questions hidden.", done) % done,
            messages.SUCCESS,
        )


class AuditedParticipantAdmin(AuditedAdmin[Participant], ParticipantAdmin):
    def audited_state(self, obj: Participant) -> dict[str, Any]:
        return services.participant_state(obj)

    def audited_event(self, obj: Participant) -> Event:
        return obj.event


class AuditedEventAdmin(AuditedAdmin[Event], EventAdmin):
    def audited_state(self, obj: Event) -> dict[str, Any]:
        return event_public_state(event=obj)

    def audited_event(self, obj: Event) -> Event:
        return obj

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        # The dialogue's log goes with it (and the admin's own history keeps the deletion).
        admin.ModelAdmin[Event].delete_model(self, request, obj)


admin.site.unregister(Question)
admin.site.register(Question, RecordQuestionAdmin)
admin.site.unregister(Participant)
admin.site.register(Participant, AuditedParticipantAdmin)
admin.site.unregister(Event)
admin.site.register(Event, AuditedEventAdmin)
