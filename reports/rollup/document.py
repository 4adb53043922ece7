"""The roll-up document: this installation's issued reports, signed with its Ed25519 key.

The document is an envelope `{"payload": "<JSON text>", "signature": "<base64>", "key_id": …}`.
The signature is over the payload's UTF-8 bytes exactly as sent, so nothing has to be put in a
canonical form again to check it. An importer checks it with the public key it registered for
the publisher (`RollupSource.public_key`): a shared secret (HMAC) would let every importer forge
every publisher's reports, a public key does not.

The payload holds every issued report with its stored figures as issued (reports/issued.py),
its number, period, signer, the report it corrects, and its agency's line up to the top (the
province or ministry it is counted under).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.contrib.sites.models import Site
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.models import Agency
from events.permissions import agency_lineage
from live.errors import InvalidMessage
from reports.models import IssuedReport

FORMAT = "doithoai.rollup"
VERSION = 1
# An installation issues a few reports a year per agency; this bounds a forged document.
MAX_REPORTS = 20_000

Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineageEntry(_Strict):
    id: int = Field(ge=1)
    name: Name


class ReportEntry(_Strict):
    id: int = Field(ge=1)
    number: Annotated[str, Field(min_length=1, max_length=120)]
    agency: LineageEntry
    lineage: list[LineageEntry] = Field(min_length=1, max_length=12)
    period_start: date
    period_end: date
    issued_at: datetime
    signer_name: Annotated[str, Field(max_length=120)]
    signer_title: Annotated[str, Field(max_length=160)]
    corrects: int | None = Field(default=None, ge=1)
    figures: dict[str, Any]


class Payload(_Strict):
    format: Literal["doithoai.rollup"]
    version: Literal[1]
    publisher: Name
    key_id: Annotated[str, Field(max_length=64)]
    published_at: datetime
    reports: list[ReportEntry] = Field(max_length=MAX_REPORTS)


class Envelope(_Strict):
    payload: str
    signature: Annotated[str, Field(max_length=200)]
    key_id: Annotated[str, Field(max_length=64)]


def new_private_key() -> str:
    """A new Ed25519 private key, as ROLLUP_SIGNING_KEY takes it (32 bytes, base64)."""
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()


def private_key(text: str) -> Ed25519PrivateKey:
    """The private key of ROLLUP_SIGNING_KEY; refused clearly if it is not one."""
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidMessage(
            _("ROLLUP_SIGNING_KEY is not an Ed25519 private key (32 bytes, base64)."),
            code="invalid_key",
        ) from error


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public key of a private key, as an importer registers it (32 bytes, base64)."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key(text: str) -> Ed25519PublicKey:
    """A registered public key; refused clearly if it is not one."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError) as error:
        raise InvalidMessage(
            _("This is not an Ed25519 public key (32 bytes, base64)."), code="invalid_key"
        ) from error


def key_id(public_text: str) -> str:
    """A short name for a public key: the start of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public_text)).hexdigest()[:16]


def publishing() -> bool:
    """This installation publishes: it has a signing key and a token for its importers."""
    return bool(settings.ROLLUP_SIGNING_KEY and settings.ROLLUP_FEED_TOKEN)


def _lineage(agency: Agency) -> list[dict[str, Any]]:
    """The agency's line, top first: whom it is counted under (a merged agency: its
    successor's line)."""
    ids = list(reversed(agency_lineage(agency)))
    names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [{"id": pk, "name": names[pk]} for pk in ids if pk in names]


def report_entry(issued: IssuedReport) -> dict[str, Any]:
    """One issued report as the document gives it: its figures exactly as stored."""
    return {
        "id": issued.pk,
        "number": issued.number,
        "agency": {"id": issued.agency_id, "name": issued.figures["agency"]["name"]},
        "lineage": _lineage(issued.agency),
        "period_start": issued.period_start.isoformat(),
        "period_end": issued.period_end.isoformat(),
        "issued_at": issued.issued_at.isoformat(),
        "signer_name": issued.signer_name,
        "signer_title": issued.signer_title,
        "corrects": issued.corrects_id,
        "figures": issued.figures,
    }


def build_document(*, now: datetime | None = None) -> bytes:
    """Every issued report of this installation, signed: the envelope's bytes."""
    key = private_key(settings.ROLLUP_SIGNING_KEY)
    public = public_key_text(key)
    reports = IssuedReport.objects.select_related("agency").defer("pdf", "xlsx").order_by("pk")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "publisher": settings.ROLLUP_PUBLISHER or Site.objects.get_current().name,
        "key_id": key_id(public),
        "published_at": (now or timezone.now()).isoformat(),
        "reports": [report_entry(issued) for issued in reports],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    signature = key.sign(text.encode("utf-8"))
    envelope = {
        "payload": text,
        "signature": base64.b64encode(signature).decode(),
        "key_id": key_id(public),
    }
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def _invalid(message: str) -> InvalidMessage:
    return InvalidMessage(message, code="invalid_document")


def verify(raw: bytes, *, public_key_of_publisher: str) -> Payload:
    """The document's payload, once its signature is checked with the publisher's key; refused
    (nothing read from it) when it is not a roll-up document or not signed by that key."""
    if len(raw) > settings.ROLLUP_MAX_BYTES:
        raise _invalid(_("The document is larger than this installation accepts."))
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid(_("This is not a signed roll-up document.")) from error
    try:
        signature = base64.b64decode(envelope.signature, validate=True)
        public_key(public_key_of_publisher).verify(signature, envelope.payload.encode("utf-8"))
    except (binascii.Error, InvalidSignature) as error:
        raise InvalidMessage(
            _("The signature does not match this publisher's key: nothing was imported."),
            code="bad_signature",
        ) from error
    try:
        return Payload.model_validate_json(envelope.payload)
    except ValidationError as error:
        raise _invalid(
            _("The signed document is not in a form this installation reads (version %(v)d).")
            % {"v": VERSION}
        ) from error
