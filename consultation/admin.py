from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from consultation.models import Article, Comment, Draft, Reply


class ArticleInline(admin.TabularInline[Article, Draft]):
    model = Article
    fields = ["number", "title", "section", "position"]
    extra = 0
    show_change_link = True


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin[Draft]):
    """Drafts are put out and run from the organiser pages; here they can be read and fixed."""

    list_display = ["title", "agency", "event", "status", "summary_published_at", "created_at"]
    list_filter = ["status", "agency"]
    search_fields = ["title"]
    raw_id_fields = ["event", "created_by"]
    inlines = [ArticleInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    """Moderation happens on the staff page, where it is audited; here comments are read only."""

    list_display = ["__str__", "draft", "article", "status", "support_count", "created_at"]
    list_filter = ["status", "draft"]
    search_fields = ["text"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin[Reply]):
    """Responses are written on the staff page, where they are audited; here read only."""

    list_display = ["comment", "disposition", "official", "updated_at"]
    list_filter = ["disposition"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
