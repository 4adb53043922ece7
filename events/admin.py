from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from events import services
from events.errors import DomainError
from events.models import (
    Agency,
    AgencyMembership,
    Event,
    EventRole,
    Invitation,
    LegalDocument,
    User,
)

# The admin signs in through allauth's pages, so its login asks staff for their TOTP code too;
# Django's own admin login form would skip the second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


@admin.register(User)
class AccountAdmin(UserAdmin):
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


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    raw_id_fields = ["user"]


class LegalDocumentInline(admin.TabularInline):
    model = LegalDocument
    extra = 0


class EventRoleInline(admin.TabularInline):
    model = EventRole
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    inlines = [AgencyMembershipInline]
    list_display = ["name", "slug", "parent", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "agency", "status", "starts_at", "moderation_mode", "allow_anonymous"]
    list_filter = ["status", "moderation_mode", "agency"]
    search_fields = ["title", "description", "join_code"]
    date_hierarchy = "starts_at"
    readonly_fields = ["join_code", "public_seq", "created_at"]
    inlines = [EventRoleInline, LegalDocumentInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
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
        assert isinstance(request.user, User)
        for invitation in queryset:
            try:
                services.revoke_invitation(user=request.user, invitation=invitation)
            except DomainError as error:
                self.message_user(request, f"{invitation.email}: {error.message}", messages.ERROR)
