from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dialogue import services
from dialogue.models import Participant, Question, Vote


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin[Participant]):
    list_display = ["__str__", "event", "user", "created_at"]
    list_filter = ["event"]
    search_fields = ["nickname", "user__email"]
    raw_id_fields = ["user"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ["text", "event", "status", "vote_count", "is_anonymous", "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["text"]
    readonly_fields = ["client_id", "vote_count", "created_at", "published_at"]
    raw_id_fields = ["author"]
    actions = ["approve", "reject"]

    def save_model(self, request: HttpRequest, obj: Question, form: object, change: bool) -> None:
        # Status changes go through the services, so that the public and the author are told.
        new_status = obj.status
        if change and "status" in getattr(form, "changed_data", []):
            obj.status = Question.objects.values_list("status", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            if new_status in Question.PUBLIC_STATUSES and not obj.is_public:
                services.publish_question(question=obj)
            elif new_status not in Question.PUBLIC_STATUSES:
                services.withdraw_question(question=obj, status=new_status)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve: publish the selected questions"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        for question in queryset:
            services.publish_question(question=question)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d question published.", "%d questions published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject: hide the selected questions"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        for question in queryset:
            services.withdraw_question(question=question)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d question hidden.", "%d questions hidden.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ["participant", "question", "created_at"]
    raw_id_fields = ["participant", "question"]
