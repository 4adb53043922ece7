from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from moderation.models import AgencyBan, BannedWord, ModerationLog


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "actor", "action", "question"]
    list_filter = ["action", "event"]
    readonly_fields = ["event", "question", "actor", "action", "before", "after", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The log is written by the moderation services only.

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "agency"]
    list_filter = ["agency"]
    search_fields = ["phrase"]


@admin.register(AgencyBan)
class AgencyBanAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "reason", "banned_by", "created_at"]
    raw_id_fields = ["user", "banned_by"]
