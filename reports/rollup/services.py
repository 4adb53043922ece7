"""A publisher's signed document imported: checked with its registered key, its reports kept.

Importing the same document twice, or a newer one holding the same reports, adds only what is
new: a report is kept once per publisher and id. A report the publisher gave before with other
content is refused (an issued report never changes; a correction is another report), and then
nothing of the document is kept. Who may import: `can_run_rollup`.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from events.models import User
from events.permissions import Person, is_site_admin
from live.errors import DomainError, InvalidMessage, NotAllowed
from reports.models import RollupImport, RollupReport, RollupSource
from reports.rollup.document import ReportEntry, public_key, verify


def can_run_rollup(user: Person) -> bool:
    """The roll-up is the installation's: its administrators register publishers, import their
    documents and read the sums."""
    return is_site_admin(user)


def _content(entry: ReportEntry) -> dict[str, Any]:
    return {
        "corrects_remote_id": entry.corrects,
        "number": entry.number,
        "agency_remote_id": entry.agency.id,
        "agency_name": entry.agency.name,
        "lineage": [item.model_dump() for item in entry.lineage],
        "period_start": entry.period_start,
        "period_end": entry.period_end,
        "issued_at": entry.issued_at,
        "signer_name": entry.signer_name,
        "signer_title": entry.signer_title,
        "figures": entry.figures,
    }


# Where a report is counted follows the publisher's tree as it is now (an agency may have been
# merged or moved since); everything else is the report as issued, which never changes.
PLACE = "lineage"


def _same(report: RollupReport, content: dict[str, Any]) -> bool:
    return all(getattr(report, name) == value for name, value in content.items() if name != PLACE)


def register_source(
    *, actor: User, name: str, public_key_text: str, feed_url: str = "", feed_token: str = ""
) -> RollupSource:
    """Register a publisher with its public key (checked to be one)."""
    if not can_run_rollup(actor):
        raise NotAllowed(_("Only the site's administrators register publishers."))
    public_key(public_key_text)
    if feed_url and urlsplit(feed_url).scheme not in ("http", "https"):
        raise InvalidMessage(_("The address must start with https://."), code="invalid_url")
    return RollupSource.objects.create(
        name=name.strip()[:200],
        public_key=public_key_text.strip(),
        feed_url=feed_url,
        feed_token=feed_token,
    )


def import_document(
    *, actor: User | None, source: RollupSource, raw: bytes, via: str
) -> RollupImport:
    """Check the document's signature with the publisher's key and keep its reports, once."""
    if actor is not None and not can_run_rollup(actor):
        raise NotAllowed(_("Only the site's administrators import reports."))
    payload = verify(raw, public_key_of_publisher=source.public_key)
    with transaction.atomic():
        record = RollupImport.objects.create(
            source=source,
            via=via,
            imported_by=actor,
            published_at=payload.published_at,
            sha256=hashlib.sha256(raw).hexdigest(),
            reports=len(payload.reports),
        )
        known = {r.remote_id: r for r in RollupReport.objects.filter(source=source)}
        added = []
        for entry in payload.reports:
            content = _content(entry)
            if entry.id in known:
                if not _same(known[entry.id], content):
                    raise InvalidMessage(
                        _(
                            "Report %(number)s differs from the one this publisher gave before; "
                            "an issued report never changes. Nothing was imported."
                        )
                        % {"number": entry.number},
                        code="report_changed",
                    )
                if known[entry.id].lineage != content[PLACE]:
                    RollupReport.objects.filter(pk=known[entry.id].pk).update(
                        lineage=content[PLACE]
                    )
                continue
            added.append(
                RollupReport(source=source, remote_id=entry.id, first_import=record, **content)
            )
        RollupReport.objects.bulk_create(added)
        record.added = len(added)
        record.save(update_fields=["added"])
    return record


def fetch_document(source: RollupSource) -> bytes:
    """The publisher's document from its address, with its token; bounded in size and time."""
    if urlsplit(source.feed_url).scheme not in ("http", "https"):
        raise InvalidMessage(_("This publisher has no address to pull from."), code="no_url")
    request = urllib.request.Request(  # noqa: S310 -- http(s) only, checked above
        source.feed_url,
        headers={
            "Authorization": f"Bearer {source.feed_token}",
            "Accept": "application/json",
        },
    )
    limit = settings.ROLLUP_MAX_BYTES
    try:
        with urllib.request.urlopen(  # noqa: S310 -- http(s) only, checked above
            request, timeout=settings.ROLLUP_PULL_TIMEOUT
        ) as response:
            raw: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise InvalidMessage(
            _("The publisher answered %(status)d.") % {"status": error.code}, code="pull_failed"
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise InvalidMessage(
            _("The publisher could not be reached: %(reason)s") % {"reason": str(error)[:150]},
            code="pull_failed",
        ) from error
    if len(raw) > limit:
        raise InvalidMessage(
            _("The document is larger than this installation accepts."), code="invalid_document"
        )
    return raw


def pull(*, actor: User | None, source: RollupSource) -> RollupImport:
    """Fetch the publisher's document and import it; a failure is recorded with its reason."""
    try:
        raw = fetch_document(source)
        return import_document(actor=actor, source=source, raw=raw, via=RollupImport.Via.PULL)
    except DomainError as error:
        return RollupImport.objects.create(
            source=source,
            via=RollupImport.Via.PULL,
            imported_by=actor,
            sha256="",
            error=error.message[:300],
        )
