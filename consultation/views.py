"""Consultation pages: the public draft with its comments and summary, and the staff pages.

They work without JavaScript (plain POST). The staff pages sit in the "consultation_staff" URL
namespace, so they need two-factor authentication (config/access.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consultation import exports, permissions, selectors, services, versions
from consultation.forms import (
    CommentForm,
    DraftForm,
    RejectForm,
    ReplyForm,
    SummaryForm,
    VersionForm,
)
from consultation.models import Comment, Commenter, Draft, Reply
from dialogue import selectors as dialogue_selectors
from dialogue import services as dialogue_services
from dialogue.forms import JoinForm, join_token
from events import access
from events.models import Agency, User
from live.errors import DomainError, NotAllowed
from moderation.screening import fold


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _draft(request: HttpRequest, pk: int) -> Draft:
    draft = get_object_or_404(Draft.objects.select_related("agency", "event"), pk=pk)
    if not permissions.can_view_draft(request.user, draft):
        raise Http404
    return draft


def _back(draft: Draft, anchor: str = "") -> HttpResponseRedirect:
    return redirect(draft.get_absolute_url() + anchor)


def _commenter(request: HttpRequest, draft: Draft, *, join: bool) -> Commenter | None:
    """Who this request comments as; a signed-in citizen joins the dialogue on a first action."""
    user = request.user if isinstance(request.user, User) else None
    if draft.event is None:
        return Commenter(participant=None, user=user) if user else None
    participant = dialogue_selectors.participant_for(
        event=draft.event, user=request.user, session=request.session
    )
    if participant is None and join and user is not None:
        participant = dialogue_services.join_event(
            event=draft.event, user=user, session=request.session
        )
    return Commenter(participant=participant, user=user) if participant else None


def _page(request: HttpRequest, draft: Draft) -> dict[str, Any]:
    """What the draft's page shows this reader: the outline, their comments, what they may do."""
    who = _commenter(request, draft, join=False)
    accepts_comments = permissions.accepts_comments(draft)
    needs_sign_in = not request.user.is_authenticated and not draft.allows_nicknames
    return {
        "draft": draft,
        "outline": selectors.draft_outline(draft=draft),
        "who": who,
        "supported": selectors.supported_comment_ids(draft=draft, who=who),
        "accepts_comments": accepts_comments,
        "needs_sign_in": needs_sign_in,
        # Comment, propose, reply: open to whoever joined, or may join by acting, signed in.
        "can_take_part": accepts_comments
        and (request.user.is_authenticated or (who is not None and not needs_sign_in)),
        "comment_max_length": services.COMMENT_MAX_LENGTH,
    }


def draft_page(
    request: HttpRequest,
    pk: int,
    comment_form: CommentForm | None = None,
    join_form: JoinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The draft, article by article, with each article's published comments and replies."""
    draft = _draft(request, pk)
    context = _page(request, draft)
    context |= {
        "own": selectors.own_comments(draft=draft, who=context["who"]),
        "comment_form": comment_form,
        "join_form": join_form or JoinForm(event_id=draft.event_id or 0, purpose="comments"),
        # The same signed token as the event page's join form (dialogue/forms.py).
        "join_token": join_token(draft.event_id) if draft.event_id else "",
        "can_review": permissions.can_review(request.user, draft),
        "versions": list(selectors.versions(draft=draft)),
    }
    return render(request, "consultation/draft.html", context, status=status)


def article_comments(request: HttpRequest, pk: int, article_id: int) -> HttpResponse:
    """One article's comments as the page shows them, fetched again when its socket says so."""
    draft = _draft(request, pk)
    context = _page(request, draft)
    item = next(
        (a for part in context["outline"] for a in part.articles if a.article.pk == article_id),
        None,
    )
    if item is None:
        raise Http404
    context |= {"item": item, "article": item.article}
    return render(request, "consultation/_comments.html", context)


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """What a version changed, article by article, word by word, with the proposals behind it."""
    draft = _draft(request, pk)
    shown = get_object_or_404(selectors.versions(draft=draft), number=number)
    context = {
        "draft": draft,
        "version": shown,
        "versions": list(selectors.versions(draft=draft)),
        "changes": selectors.version_changes(version=shown),
    }
    return render(request, "consultation/version.html", context)


@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    """Take part in a dialogue's consultation with a nickname, as when asking questions."""
    draft = _draft(request, pk)
    form = JoinForm(request.POST, event_id=draft.event_id or 0, purpose="comments")
    if draft.event is None:
        form.add_error(None, _("Please sign in to comment on this draft."))
    if not form.is_valid():
        return draft_page(request, pk, join_form=form, status=400)
    try:
        dialogue_services.join_event(
            event=draft.event,  # type: ignore[arg-type]
            user=request.user,
            session=request.session,
            nickname=form.cleaned_data["nickname"],
            email=form.cleaned_data["email"],
            consented=form.cleaned_data["consent"],
            ip=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as error:
        form.add_error("nickname", error.message)
        return draft_page(request, pk, join_form=form, status=400)
    return _back(draft, "#comment")


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return draft_page(request, pk, comment_form=form, status=400)
    article_id = form.cleaned_data["article"]
    try:
        who = _commenter(request, draft, join=True)
        if who is None:
            raise NotAllowed(_("Choose a nickname or sign in to comment."), code="join_required")
        created = services.comment_on_article(
            draft=draft,
            who=who,
            article_id=article_id,
            clause_id=form.cleaned_data["clause"],
            text=form.cleaned_data["text"],
            quote=form.cleaned_data["quote"],
            wording=form.cleaned_data["wording"],
            parent_id=form.cleaned_data["parent"],
            ip=_ip(request),
        )
    except DomainError as error:
        form.add_error("text", error.message)
        return draft_page(request, pk, comment_form=form, status=400)
    if created.status == Comment.Status.PENDING:
        flash.success(
            request, _("Your comment was sent. It will appear once a moderator approves it.")
        )
    else:
        flash.success(request, _("Your comment was published."))
    return _back(draft, f"#article-{article_id}")


@require_POST
def support(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """Support a comment; supporting it again changes nothing (withdrawing is its own action)."""
    draft = _draft(request, pk)
    try:
        who = _supporter(request, draft)
        services.support_comment(draft=draft, who=who, comment_id=comment_id, ip=_ip(request))
    except DomainError as error:
        flash.error(request, error.message)
    return _back(draft, f"#comment-{comment_id}")


@require_POST
def withdraw_support(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """Take back one's support of a comment, by its own labelled button."""
    draft = _draft(request, pk)
    try:
        who = _supporter(request, draft)
        services.withdraw_support(draft=draft, who=who, comment_id=comment_id, ip=_ip(request))
    except DomainError as error:
        flash.error(request, error.message)
    return _back(draft, f"#comment-{comment_id}")


def _supporter(request: HttpRequest, draft: Draft) -> Commenter:
    who = _commenter(request, draft, join=True)
    if who is None:
        raise NotAllowed(_("Choose a nickname or sign in to support comments."))
    return who


def _summary_draft(request: HttpRequest, pk: int) -> Draft:
    draft = _draft(request, pk)
    if not permissions.can_see_summary(request.user, draft):
        raise Http404
    return draft


def summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The "bản tổng hợp, tiếp thu, giải trình": each comment and the agency's response."""
    draft = _summary_draft(request, pk)
    context = {
        "draft": draft,
        "rows": selectors.summary_rows(draft=draft),
        "header": exports.header(),
        "can_manage": permissions.can_manage_draft(request.user, draft),
        "form": SummaryForm(initial={"note": draft.summary_note}),
    }
    return render(request, "consultation/summary.html", context)


def _download(draft: Draft, body: bytes, extension: str, content_type: str) -> HttpResponse:
    # Folded first: slugify drops "đ" and every letter it cannot decompose.
    name = slugify(fold(draft.title))[:60] or "du-thao"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tong-hop-{name}.{extension}"'
    return response


def summary_csv(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _summary_draft(request, pk)
    body = exports.summary_csv(draft, selectors.summary_rows(draft=draft))
    return _download(draft, body, "csv", "text/csv; charset=utf-8")


def summary_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _summary_draft(request, pk)
    body = exports.summary_xlsx(draft, selectors.summary_rows(draft=draft))
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(draft, body, "xlsx", content_type)


# --- Staff ----------------------------------------------------------------------------------------


@login_required
def agency_drafts(request: HttpRequest, slug: str) -> HttpResponse:
    """An agency's drafts, for its organisers."""
    agency = get_object_or_404(Agency, slug=slug)
    if not permissions.can_create_draft(request.user, agency):
        raise PermissionDenied
    context = {"agency": agency, "drafts": selectors.agency_drafts(agency_id=agency.pk)}
    return render(request, "consultation/agency_drafts.html", context)


@login_required
def create_draft(request: HttpRequest, slug: str) -> HttpResponse:
    """Paste or upload a draft; it is split into chapters, articles and clauses."""
    agency = get_object_or_404(Agency, slug=slug)
    if not permissions.can_create_draft(request.user, agency):
        raise PermissionDenied
    form = DraftForm(request.POST or None, request.FILES or None, agency=agency)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                draft = services.create_draft(
                    actor=access.signed_in(request),
                    agency=agency,
                    title=data["title"],
                    text=data["text"],
                    event=data["event"],
                    closes_at=data["closes_at"],
                )
            except DomainError as error:
                form.add_error("text", error.message)
            else:
                count = draft.articles.count()
                flash.success(
                    request,
                    _("The draft was saved with %(count)d articles. Check it, then open it.")
                    % {"count": count},
                )
                return redirect("consultation_staff:review", pk=draft.pk)
        status = 400
    return render(
        request, "consultation/draft_form.html", {"agency": agency, "form": form}, status=status
    )


def _reviewed_draft(request: HttpRequest, pk: int) -> Draft:
    draft = get_object_or_404(Draft.objects.select_related("agency", "event"), pk=pk)
    if not permissions.can_review(request.user, draft):
        raise PermissionDenied
    return draft


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff page of a draft: comments to screen, to answer, and the consultation's status."""
    draft = _reviewed_draft(request, pk)
    user = access.signed_in(request)
    status = request.GET.get("status", Comment.Status.PENDING)
    status = status if status in Comment.STATUSES else Comment.Status.PENDING
    context = {
        "draft": draft,
        "status": status,
        "counts": selectors.status_counts(draft=draft),
        "comments": selectors.comments_to_screen(draft=draft, status=status),
        "can_moderate": permissions.can_moderate_draft(user, draft),
        "can_reply": permissions.can_reply(user, draft),
        "can_manage": permissions.can_manage_draft(user, draft),
        "reasons": Comment.RejectionReason.choices,
        "dispositions": Reply.Disposition.choices,
        "transitions": [s for old, s in services.TRANSITIONS if old == draft.status],
        "version_form": VersionForm(initial={"text": draft.source_text}),
        "versions": list(selectors.versions(draft=draft)),
        "proposal_decisions": PROPOSAL_DECISIONS,
        "statuses": dict(Draft.Status.choices),
        "now": timezone.now(),
    }
    return render(request, "consultation/review.html", context)


# A proposal is accepted, accepted with changes, or declined, each with its reason.
PROPOSAL_DECISIONS = [
    (Reply.Disposition.ACCEPTED, gettext_lazy("Accept")),
    (Reply.Disposition.PARTLY, gettext_lazy("Accept with changes")),
    (Reply.Disposition.DECLINED, gettext_lazy("Decline")),
]


def _review_back(draft: Draft, request: HttpRequest) -> HttpResponseRedirect:
    status = request.POST.get("status_filter", "")
    suffix = f"?status={status}" if status in Comment.STATUSES else ""
    return redirect(f"{_review_url(draft)}{suffix}")


def _managed_draft(request: HttpRequest, pk: int) -> Draft:
    """The draft, for one of the organisers who run it; anyone else is refused."""
    draft = _reviewed_draft(request, pk)
    if not permissions.can_manage_draft(request.user, draft):
        raise PermissionDenied
    return draft


def _review_url(draft: Draft) -> str:
    return reverse("consultation_staff:review", kwargs={"pk": draft.pk})


@login_required
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _managed_draft(request, pk)
    try:
        draft = services.change_draft_status(
            actor=access.signed_in(request), draft=draft, status=request.POST.get("status", "")
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(
            request,
            _("The consultation is now “%(status)s”.") % {"status": draft.get_status_display()},
        )
    return redirect(_review_url(draft))


@login_required
@require_POST
def publish_summary(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _managed_draft(request, pk)
    form = SummaryForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        draft = services.publish_summary(actor=access.signed_in(request), draft=draft, note=note)
    except DomainError as error:
        flash.error(request, error.message)
        return redirect(_review_url(draft))
    flash.success(request, _("The summary was published."))
    return redirect("consultation:summary", pk=draft.pk)


@login_required
@require_POST
def publish_version(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _managed_draft(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Paste the revised text of the draft."))
        return redirect(_review_url(draft))
    try:
        published = versions.publish_version(
            actor=access.signed_in(request),
            draft=draft,
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        flash.error(request, error.message)
        return redirect(_review_url(draft))
    flash.success(request, _("Version %(number)d was published.") % {"number": published.number})
    return redirect(published.get_absolute_url())


@login_required
@require_POST
def approve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    draft = _reviewed_draft(request, pk)
    try:
        services.approve_comment(
            actor=access.signed_in(request), draft=draft, comment_id=comment_id
        )
    except NotAllowed as error:
        raise PermissionDenied from error
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("The comment was published."))
    return _review_back(draft, request)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    draft = _reviewed_draft(request, pk)
    if not permissions.can_moderate_draft(request.user, draft):
        raise PermissionDenied
    form = RejectForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Choose a reason from the list."))
        return _review_back(draft, request)
    try:
        services.reject_comment(
            actor=access.signed_in(request),
            draft=draft,
            comment_id=comment_id,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("The comment was rejected."))
    return _review_back(draft, request)


@login_required
@require_POST
def reply(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    draft = _reviewed_draft(request, pk)
    if not permissions.can_reply(request.user, draft):
        raise PermissionDenied
    form = ReplyForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Write a response and choose a decision."))
        return _review_back(draft, request)
    try:
        services.reply_to_comment(
            actor=access.signed_in(request),
            draft=draft,
            comment_id=comment_id,
            body=form.cleaned_data["body"],
            disposition=form.cleaned_data["disposition"],
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("The response was saved."))
    return _review_back(draft, request)
