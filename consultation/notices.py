"""Telling commenters: the agency responded to what they wrote, or published a new version.

Email, as the notices of a question's life (dialogue/notices.py): queued in the caller's
transaction through the mail queue (events/mail.py), sent and retried by the task worker. A
response is told once, when it is first written (a corrected response is not told again); a
version once to each address, however many comments it wrote. A commenter who erased their data
has no address left, and an account without an email address is not told.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from consultation.models import Comment, DraftVersion


def commenter_address(comment: Comment) -> str:
    """The commenter's account's address, or the one they left when joining; or ""."""
    if comment.erased_at is not None:
        return ""
    if comment.participant is not None:
        participant = comment.participant
        return str((participant.user.email if participant.user else participant.email) or "")
    return comment.user.email if comment.user else ""


def _link(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def tell_of_reply(comment: Comment) -> None:
    address = commenter_address(comment)
    if not address:
        return
    draft = comment.draft
    subject = _("The agency responded to your comment on “%(title)s”") % {"title": draft.title}
    body = _(
        "%(agency)s responded to your comment on %(target)s of the draft “%(title)s”.\n\n"
        "Read the response: %(link)s"
    ) % {
        "agency": draft.agency.name,
        "target": comment.target_label,
        "title": draft.title,
        "link": _link(f"{draft.get_absolute_url()}#comment-{comment.pk}"),
    }
    send_mail(subject, body, None, [address])


def tell_of_version(version: DraftVersion) -> None:
    draft = version.draft
    commenters = (
        Comment.objects.filter(draft=draft, erased_at=None)
        .select_related("participant__user", "user")
        .order_by("pk")
    )
    addresses = sorted({a for c in commenters if (a := commenter_address(c))})
    if not addresses:
        return
    subject = _("A new version of “%(title)s” was published") % {"title": draft.title}
    body = _(
        "%(agency)s published version %(number)d of the draft “%(title)s”, on which you "
        "commented.\n\nSee what changed: %(link)s"
    ) % {
        "agency": draft.agency.name,
        "number": version.number,
        "title": draft.title,
        "link": _link(version.get_absolute_url()),
    }
    for address in addresses:
        send_mail(subject, body, None, [address])
