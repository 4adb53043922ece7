"""The one cleaner of everything that comes from outside: typed, pasted or uploaded text, form
fields, API bodies and socket frames.

Every text is normalised the same way: Unicode NFC, one kind of line break, no invisible
formatting characters (zero-width spaces and joiners, directional marks and overrides, the
byte order mark). Then it is refused, with a message, if it holds a control character: C0
controls but tab, newline and carriage return, DEL, the C1 controls, and lone surrogates. NUL is
among them: PostgreSQL refuses it in a text column, and a surrogate cannot be encoded as UTF-8
at all, so either would fail a write or a reply instead of being answered. Lengths are counted
on the normalised text.

The services call `clean_text`; forms get the same through `CleanInputMixin` (every form of the
site has it), which also bounds every number and every date, so that no value reaches a
computation that overflows (a report period ending 9999-12-31 did).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from live.errors import InvalidMessage

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Every date any form or API takes lies in these years; every number within ±(2^53 − 1), the
# ids' range of the sockets' frames (docs/protocol.md).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_NUMBER = 2**53 - 1

CONTROL_CHARACTERS = gettext_lazy(
    "This text holds invisible control characters. Please type it again."
)


def normalise(text: str) -> str:
    """NFC, `\\n` for every line break, and no invisible formatting characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def has_control_characters(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def refuse_control_characters(value: object) -> None:
    """A form field validator: the error a person sees instead of a failed write."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


def clean_text(text: object, *, max_length: int, field: str) -> str:
    """The text, normalised, with runs of blanks made one and its ends trimmed; refused (with
    `InvalidMessage`) when it is not text, holds a control character, is empty or too long."""
    if not isinstance(text, str):
        raise InvalidMessage(_("The %(field)s is empty.") % {"field": field}, code="invalid_text")
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", _allowed(normalise(text)))).strip()
    if not text:
        raise InvalidMessage(_("The %(field)s is empty.") % {"field": field}, code="invalid_text")
    return _within(text, max_length=max_length, field=field)


def _allowed(text: str) -> str:
    """The text, refused when it holds a control character."""
    if has_control_characters(text):
        raise InvalidMessage(str(CONTROL_CHARACTERS), code="invalid_text")
    return text


def _within(text: str, *, max_length: int, field: str) -> str:
    """The text, refused when it is longer than `max_length`."""
    if len(text) > max_length:
        raise InvalidMessage(
            _("The %(field)s is longer than %(max)d characters.")
            % {"field": field, "max": max_length},
            code="too_long",
        )
    return text


def clean_email(email: str, *, required: bool = True) -> str:
    """An email address as given, trimmed, with its domain in lower case (domains are not case
    sensitive; the local part may be). Blank is refused unless the address is optional."""
    email = email.strip()
    if not email and not required:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidMessage(_("Enter a valid email address."), code="invalid_email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_document(text: str, *, max_length: int, field: str) -> str:
    """A long text kept as it was written (a law, a draft): normalised, its blanks and lines
    left as they are; refused (with `InvalidMessage`) when it holds a control character or is
    longer than `max_length` once normalised."""
    return _within(_allowed(normalise(text)), max_length=max_length, field=field)


def date_in_range(value: date | datetime) -> date:
    """The date of `value` if it lies between EARLIEST_DATE and LATEST_DATE, else a refusal."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year},
            code="date_out_of_range",
        )
    return day


def refuse_dates_out_of_range(value: object) -> None:
    """A form field validator (dates and times): `date_in_range`."""
    if isinstance(value, date):
        date_in_range(value)


def _normalising(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def cleaned(value: Any) -> Any:
        value = to_python(value)
        return normalise(value) if isinstance(value, str) else value

    return cleaned


class CleanInputMixin:
    """Every field of the form through the one cleaner: text normalised and refused if it holds
    a control character (its length counted after), numbers and dates bounded."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            clean_field(field)


def clean_field(field: forms.Field) -> None:
    """Give one form field the cleaner's normalisation and bounds (once)."""
    if getattr(field, "_cleaned_input", False):
        return
    field._cleaned_input = True  # type: ignore[attr-defined]
    field.clean = _refusing(field.clean)  # type: ignore[method-assign]
    if isinstance(field, forms.CharField):  # URL, slug and email fields too
        field.to_python = _normalising(field.to_python)  # type: ignore[method-assign,assignment]
    elif isinstance(field, forms.IntegerField):
        bounds: list[Any] = []
        if field.max_value is None:
            bounds.append(MaxValueValidator(MAX_NUMBER))
        if field.min_value is None:
            bounds.append(MinValueValidator(-MAX_NUMBER))
        field.validators = [*field.validators, *bounds]
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators = [*field.validators, refuse_dates_out_of_range]


def _refusing(clean: Callable[..., Any]) -> Callable[..., Any]:
    """A field's `clean` that first refuses control characters in what was sent (a choice, a
    number, a date as much as a text), before it is parsed or looked up in the database."""

    def refused_first(value: Any, *rest: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else [value]:
            refuse_control_characters(item)
        return clean(value, *rest)

    return refused_first
