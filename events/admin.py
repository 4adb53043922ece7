from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from events import services
from events.models import (
    Agency,
    AgencyChange,
    AgencyMembership,
    Event,
    EventRole,
    Invitation,
    LegalDocument,
    User,
)
from live.errors import DomainError

# The admin signs in through allauth's pages, so its login asks staff for their TOTP code too;
# Django's own admin login form would skip the second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# Links typed without a scheme are taken as https (the forms of the organiser pages do the same).
HTTPS_LINKS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


@admin.register(User)
class AccountAdmin(UserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class AgencyMembershipInline(admin.TabularInline[AgencyMembership, Agency]):
    model = AgencyMembership
    extra = 0
    raw_id_fields = ["user"]


class LegalDocumentInline(admin.TabularInline[LegalDocument, Event]):
    formfield_overrides = HTTPS_LINKS
    model = LegalDocument
    extra = 0


class EventRoleInline(admin.TabularInline[EventRole, Event]):
    model = EventRole
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    formfield_overrides = HTTPS_LINKS
    inlines = [AgencyMembershipInline]
    list_display = ["name", "slug", "parent", "merged_into", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    # An agency's name, short name and place change on its staff page, where each change is
    # checked and recorded (events/services/agencies.py); here they are set once, at creation.
    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> list[str]:
        return ["name", "slug", "parent", "merged_into"] if obj is not None else ["merged_into"]

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Agency | None = None
    ) -> dict[str, Any]:
        return {} if obj is not None else dict(self.prepopulated_fields)


@admin.register(AgencyChange)
class AgencyChangeAdmin(admin.ModelAdmin[AgencyChange]):
    """The record of agencies renamed, moved and merged: read here, never written."""

    list_display = ["at", "agency", "kind", "into", "actor"]
    list_filter = ["kind"]
    search_fields = ["agency__name", "into__name"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AgencyChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AgencyChange | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    formfield_overrides = HTTPS_LINKS
    list_display = ["title", "agency", "status", "starts_at", "moderation_mode", "allow_anonymous"]
    list_filter = ["status", "moderation_mode", "agency"]
    search_fields = ["title", "description", "join_code"]
    date_hierarchy = "starts_at"
    readonly_fields = ["join_code", "public_seq", "created_at"]
    inlines = [EventRoleInline, LegalDocumentInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """Invitations are sent from the organiser pages; here they can be read and revoked."""

    list_display = ["email", "role", "agency", "event", "created_at", "expires_at", "state"]
    list_filter = ["role", "agency"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "agency",
        "event",
        "email",
        "role",
        "title",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    @admin.display(description=_("status"))
    def state(self, invitation: Invitation) -> str:
        return invitation.get_status_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new invitation needs its emailed link: send it from the agency's staff page.
        return False

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        for invitation in queryset:
            try:
                services.revoke_invitation(user=request.user, invitation=invitation)
            except DomainError as error:
                self.message_user(request, f"{invitation.email}: {error.message}", messages.ERROR)
