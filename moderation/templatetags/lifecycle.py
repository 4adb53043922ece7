"""`{% lifecycle_buttons event %}`: the status buttons of a dialogue, wherever staff run it."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from events.models import Event, User
from moderation.lifecycle import transitions_for

register = template.Library()


@register.inclusion_tag("moderation/_lifecycle_buttons.html", takes_context=True)
def lifecycle_buttons(
    context: dict[str, Any], event: Event, compact: bool = False
) -> dict[str, Any]:
    """The changes the signed-in person may make now, each a form posted to `moderation:status`;
    after it they come back to the page they were on."""
    request: HttpRequest = context["request"]
    user = request.user
    transitions = transitions_for(user, event) if isinstance(user, User) else []
    return {
        "event": event,
        "transitions": transitions,
        "compact": compact,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
