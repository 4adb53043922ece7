"""Which sites may frame an agency's widget (its frame-ancestors)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from events import permissions
from events.models import (
    Agency,
    User,
)
from live.errors import InvalidMessage, NotAllowed

_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def clean_origins(text: str) -> list[str]:
    """Origins one per line, checked strictly: each goes into a Content-Security-Policy header."""
    origins: list[str] = []
    for line in text.splitlines():
        origin = line.strip().rstrip("/").lower()
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise InvalidMessage(
                _("“%(origin)s” is not an origin like https://portal.example.gov.vn.")
                % {"origin": line.strip()[:100]},
                code="invalid_origin",
            )
        if origin not in origins:
            origins.append(origin)
    if len(origins) > 20:
        raise InvalidMessage(_("List at most 20 sites."), code="invalid_origin")
    return origins


def set_embed_origins(*, actor: User, agency: Agency, origins: str) -> Agency:
    """Set the sites allowed to frame the agency's widget."""
    if not permissions.can_manage_agency(actor, agency):
        raise NotAllowed(_("Only the agency's organisers can change where it is embedded."))
    cleaned = clean_origins(origins)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        agency.embed_origins = "\n".join(cleaned)
        agency.save(update_fields=["embed_origins"])
    return agency
