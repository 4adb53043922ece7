from __future__ import annotations

from django.contrib import admin

from dialogue.models import Participant, Question, Vote


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin[Participant]):
    list_display = ["__str__", "event", "user", "created_at"]
    list_filter = ["event"]
    search_fields = ["nickname", "user__email"]
    raw_id_fields = ["user"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    """Questions can be read and their text fixed here; their status changes only through the
    audited moderation services (the approve and reject actions, added by moderation/admin.py),
    so that the public, the moderators and the asker are told."""

    list_display = ["text", "event", "status", "vote_count", "is_anonymous", "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["text"]
    readonly_fields = ["status", "stage", "client_id", "vote_count", "created_at", "published_at"]
    raw_id_fields = ["author"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ["participant", "question", "created_at"]
    raw_id_fields = ["participant", "question"]
