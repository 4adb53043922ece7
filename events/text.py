"""What no text from outside may hold, on a page's form or in a socket's frame.

C0 control characters but tab, newline and carriage return, DEL, the C1 controls, and lone
surrogates. NUL is among them: PostgreSQL refuses it in a text column, and a surrogate cannot be
encoded as UTF-8 at all, so either would fail a write or a reply instead of being answered.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def refuse_control_characters(value: object) -> None:
    """A form field validator: the error a person sees instead of a failed write."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            _("This text holds invisible control characters. Please type it again."),
            code="control_characters",
        )
