"""Who is asking, for the views of every app: the signed-in account, the agency they manage."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from events import permissions
from events.models import Agency, User


def signed_in(request: HttpRequest) -> User:
    """The signed-in account of a view behind `login_required` (anyone else is refused)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def managed_agency(request: HttpRequest, slug: str) -> Agency:
    """The agency of the URL, if the person asking is one of its organisers."""
    # A merged agency takes no more work: its links lead to its successor (config/moved.py).
    agency = get_object_or_404(Agency, slug=slug, merged_into__isnull=True)
    if not permissions.can_manage_agency(request.user, agency):
        raise PermissionDenied
    return agency
