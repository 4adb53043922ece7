"""Every role against every endpoint and socket command, as docs/security.md's table says.

The table is the policy: this test reads it, runs each cell on fresh data, and checks the
outcome. A refusal must write nothing and broadcast nothing. Every route declared in
config/access.py (the one list of what is public, participant or staff) must have a row, and
the row must agree with its declaration, so a new one cannot slip in unreviewed. Every staff
route sends staff without two factors to set them up, whoever would otherwise be let in.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import access
from config.asgi import application
from consultation import services as consultation_services
from consultation.demo import DRAFT_TEXT
from consultation.models import (
    ArticleText,
    Comment,
    Commenter,
    Draft,
    DraftVersion,
    Reply,
    Support,
)
from dialogue import messages as citizen_messages
from dialogue.models import (
    Answer,
    AnswerRating,
    Citation,
    Participant,
    Poll,
    PollAnswer,
    PushSubscription,
    Question,
    Vote,
)
from dialogue.selectors import follow_token
from events import services as event_services
from events.models import (
    Agency,
    AgencyChange,
    AgencyMembership,
    AgencySlug,
    Event,
    EventRole,
    Invitation,
    LegalDocument,
    User,
)
from law.demo import create_demo_library
from law.models import Article as LegalArticle
from moderation import messages as moderator_messages
from moderation import services as moderation_services
from moderation.models import ModerationLog
from reports.issued import period_bounds, to_figures
from reports.models import ExportJob, IssuedReport, RollupImport, RollupReport, RollupSource
from reports.rollup import document as rollup_document
from reports.selectors import agency_report
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
    join_form,
    verify_email,
)
from tests.socket import Client as SocketClient
from tests.socket import session_cookie

POLICY = Path(__file__).resolve().parents[1] / "docs" / "security.md"
# This installation's roll-up signing key and token in the matrix (a test key, made once).
ROLLUP_KEY = rollup_document.new_private_key()
ROLLUP_TOKEN = "matrix-rollup-token"
ROLES = [
    "anonymous",
    "citizen",
    "moderator",
    "moderator elsewhere",
    "official",
    "organiser",
    "other organiser",
    "admin",
]
# Declared in config/access.py, but outside the table: allauth's pages guard themselves
# (docs/security.md), and the admin is covered by its index.
OUTSIDE_THE_TABLE = {"account_*", "mfa_*", "socialaccount_*", "openid_connect_*", "/accounts/*"}


def read_policy() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in POLICY.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES) or cells[1] not in ("GET", "POST", "WS"):
            continue
        rows[(cells[0].replace("`", ""), cells[1])] = dict(zip(ROLES, cells[2:], strict=True))
    return rows


POLICY_ROWS = read_policy()
CELLS = [
    (name, method, role, outcome)
    for (name, method), row in POLICY_ROWS.items()
    for role, outcome in row.items()
]


# --- The world each cell runs in ---------------------------------------------------------------


@dataclass
class World:
    event: Event
    ended: Event
    people: dict[str, User | None]
    question: Question
    pending: Question
    # Owed a written answer, routed to the official: only they may give it more time.
    owed: Question
    other_question: Question
    participant: Participant
    invitation: Invitation
    invitation_token: str
    draft: Draft
    summarised: Draft
    pending_comment: Comment
    published_comment: Comment
    export_job: ExportJob
    poll: Poll
    poll_option: int  # one of the open poll's options
    draft_poll: Poll
    issued: IssuedReport
    article: LegalArticle  # an article of the legal library
    citation: Citation  # of that article, in the draft answer to `question`
    clause: int  # one of the article's clauses, not cited yet
    # Two sub-agencies of agency A: one is moved under, or merged into, the other.
    sub_agencies: tuple[Agency, Agency]
    # A publisher of the national roll-up: this installation itself, by its own key.
    rollup_source: RollupSource


def build_polls(event: Event, organiser: User) -> tuple[Poll, Poll]:
    """An open poll of the dialogue, and a prepared one."""
    create = moderation_services.create_poll
    open_one = create(
        actor=organiser, event=event, question="Biết qua đâu?", kind="single", options=["A", "B"]
    )
    moderation_services.open_poll(actor=organiser, event=event, poll_id=open_one.pk)
    prepared = create(
        actor=organiser, event=event, question="Đánh giá buổi đối thoại", kind="rating"
    )
    return Poll.objects.get(pk=open_one.pk), prepared


def build_issued(agency: Agency, organiser: User) -> IssuedReport:
    """An issued report of the agency, stored as the service stores one (files stand in)."""
    today = timezone.localdate()
    start, end = period_bounds(today.replace(month=1, day=1), today)
    return IssuedReport.objects.create(
        agency=agency,
        year=today.year,
        sequence=1,
        number=f"1/BC-{agency.slug.upper()}",
        period_start=start.date(),
        period_end=today,
        issued_by=organiser,
        signer_name="Nguyễn Văn An",
        signer_title="Giám đốc",
        figures=to_figures(agency_report(agency, start=start, end=end)),
        pdf=b"%PDF-1.7\n",
        xlsx=b"PK\x03\x04",
    )


def build_world() -> World:
    agency, elsewhere = AgencyFactory(), AgencyFactory()
    event = EventFactory(agency=agency, moderation_mode=Event.Moderation.PRE)
    ended = EventFactory(agency=agency, status=Event.Status.ENDED)
    other_event = EventFactory(agency=elsewhere)
    people: dict[str, User | None] = {"anonymous": None}
    for role in ROLES[1:]:
        people[role] = UserFactory(is_superuser=role == "admin", is_staff=role == "admin")
        verify_email(people[role])  # type: ignore[arg-type]
    EventRole.objects.create(event=event, user=people["moderator"], role="moderator")
    EventRole.objects.create(
        event=other_event, user=people["moderator elsewhere"], role="moderator"
    )
    EventRole.objects.create(event=event, user=people["official"], role="official")
    AgencyMembership.objects.create(agency=agency, user=people["organiser"])
    AgencyMembership.objects.create(agency=elsewhere, user=people["other organiser"])
    for role in ROLES[2:]:
        enable_totp(people[role])  # type: ignore[arg-type]
    participant = ParticipantFactory(event=event)
    token = "matrix-" + uuid.uuid4().hex
    invitation = Invitation.objects.create(
        agency=agency,
        event=event,
        email=people["citizen"].email,
        role="moderator",  # type: ignore[union-attr]
        token_hash=event_services.invitation_token_hash(token),
        invited_by=people["organiser"],
        expires_at=timezone.now() + timedelta(days=7),
    )
    draft, summarised, pending_comment, published_comment = build_consultation(
        event, people, participant
    )
    poll, draft_poll = build_polls(event, people["organiser"])  # type: ignore[arg-type]
    question = QuestionFactory(event=event, author=participant, routed_to=people["official"])
    article = demo_article()
    draft_answer = AnswerFactory(question=question, official=people["official"], published_at=None)
    citation = Citation.objects.create(
        answer=draft_answer, article=article, quote=article.text[:80], position=1
    )
    return World(
        article=article,
        citation=citation,
        clause=article.clauses.values_list("pk", flat=True)[0],
        sub_agencies=(AgencyFactory(parent=agency), AgencyFactory(parent=agency)),
        rollup_source=RollupSource.objects.create(
            name="Chính nó",
            public_key=rollup_document.public_key_text(rollup_document.private_key(ROLLUP_KEY)),
            # Nothing listens there; a pull is only queued by the request.
            feed_url="http://127.0.0.1:9/rollup/reports.json",
        ),
        issued=build_issued(agency, people["organiser"]),  # type: ignore[arg-type]
        poll=poll,
        poll_option=poll.options.values_list("pk", flat=True)[0],
        draft_poll=draft_poll,
        draft=draft,
        summarised=summarised,
        pending_comment=pending_comment,
        published_comment=published_comment,
        event=event,
        ended=ended,
        people=people,
        participant=participant,
        question=question,
        pending=QuestionFactory(event=event, author=participant, status="pending"),
        owed=QuestionFactory(
            event=event,
            author=participant,
            routed_to=people["official"],
            answer_due_at=timezone.now() + timedelta(days=5),
        ),
        other_question=QuestionFactory(event=event, author=participant),
        invitation=invitation,
        invitation_token=token,
        # A finished export of the organiser's: only they may follow it and download it.
        export_job=ExportJob.objects.create(
            requester=people["organiser"],
            event=event,
            format="csv",
            status="done",
            content=b"STT\r\n",
        ),
    )


def build_consultation(
    event: Event, people: dict[str, User | None], participant: Participant
) -> tuple[Draft, Draft, Comment, Comment]:
    """An open draft of the dialogue with a pending and a published comment; a summarised one."""
    organiser = people["organiser"]
    assert organiser is not None
    drafts = []
    for title in ("Dự thảo đang lấy ý kiến", "Dự thảo đã tổng hợp"):
        draft = consultation_services.create_draft(
            actor=organiser, agency=event.agency, event=event, title=title, text=DRAFT_TEXT
        )
        drafts.append(
            consultation_services.change_draft_status(
                actor=organiser, draft=draft, status=Draft.Status.OPEN
            )
        )
    who = Commenter(participant=participant, user=None)
    article = drafts[0].articles.get(number="3")
    comments = [
        consultation_services.comment_on_article(
            draft=drafts[0], who=who, article_id=article.pk, clause_id=None, text=text
        )
        for text in ("Góp ý chờ duyệt", "Góp ý đã duyệt")
    ]
    consultation_services.approve_comment(
        actor=organiser, draft=drafts[0], comment_id=comments[1].pk
    )
    consultation_services.publish_summary(actor=organiser, draft=drafts[1])
    return drafts[0], drafts[1], comments[0], comments[1]


def state() -> str:
    """Everything a refused request must leave as it was."""
    tables: list[Any] = [
        Question,
        Vote,
        AnswerRating,
        Participant,
        Answer,
        Event,
        LegalDocument,
        Agency,
        EventRole,
        AgencyMembership,
        Invitation,
        ModerationLog,
        Draft,
        DraftVersion,
        ArticleText,
        Comment,
        Support,
        Reply,
        Poll,
        PollAnswer,
        IssuedReport,
        AgencyChange,
        AgencySlug,
        RollupSource,
        RollupImport,
        RollupReport,
        PushSubscription,
    ]
    dump = {t.__name__: list(t.objects.order_by("pk").values()) for t in tables}
    dump["User"] = list(User.objects.order_by("pk").values("pk", "is_active", "email"))
    # A file's bytes may come back as a memoryview (by driver), whose str() is its address.
    return json.dumps(
        dump,
        default=lambda v: bytes(v).hex() if isinstance(v, memoryview) else str(v),
        sort_keys=True,
    )


# --- HTTP ----------------------------------------------------------------------------------------


def event_form(*, title: str) -> dict[str, Any]:
    """A valid organiser's dialogue form (events/forms.py: EventForm), one legal document."""
    starts = timezone.localtime() + timedelta(days=3)
    return {
        "title": title,
        "legal_field": "land",
        "format": "online",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "moderation_mode": "pre",
        "allow_anonymous": "on",
        "question_max_length": "500",
        "written_answer_days": "15",
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-title": "Luật Đất đai",
        "documents-0-number": "31/2024/QH15",
        "documents-0-url": "https://vanban.chinhphu.vn/",
    }


# The agency report's issue form: this year so far, signed.
ISSUE_FORM = {
    "start": f"{timezone.localdate().year}-01-01",
    "end": timezone.localdate().isoformat(),
    "signer_name": "Nguyễn Văn An",
    "signer_title": "Giám đốc",
    "place": "Bắc Ninh",
}


def lookup_pair(question: Question) -> dict[str, str]:
    """A question's tracking code and the email its asker gave, as the look-up form posts them."""
    Participant.objects.filter(pk=question.author_id).update(email="hoi@example.vn")
    return {"code": question.tracking_code, "contact": "hoi@example.vn"}


REQUESTS: dict[tuple[str, str], Callable[[World], tuple[str, dict[str, Any]]]] = {
    ("dialogue:catalogue", "GET"): lambda w: (reverse("dialogue:catalogue"), {}),
    ("dialogue:legal_qa", "GET"): lambda w: (reverse("dialogue:legal_qa"), {}),
    ("dialogue:lookup", "GET"): lambda w: (reverse("dialogue:lookup"), {}),
    # The right pair: anyone who holds both sees the question (docs/legal-qa.md).
    ("dialogue:lookup", "POST"): lambda w: (reverse("dialogue:lookup"), lookup_pair(w.question)),
    # A receipt page without a question just asked leads on to the ask form.
    ("dialogue:receipt", "GET"): lambda w: (reverse("dialogue:receipt", args=[w.event.slug]), {}),
    ("dialogue:event", "GET"): lambda w: (w.event.get_absolute_url(), {}),
    ("dialogue:join", "POST"): lambda w: (
        reverse("dialogue:join", args=[w.event.slug]),
        join_form(w.event, "Người thử"),
    ),
    ("dialogue:ask", "POST"): lambda w: (
        reverse("dialogue:ask", args=[w.event.slug]),
        {"text": "Câu hỏi thử quyền", "client_id": str(uuid.uuid4())},
    ),
    ("dialogue:vote", "POST"): lambda w: (
        reverse("dialogue:vote", args=[w.event.slug, w.question.pk]),
        {"action": "vote"},
    ),
    ("dialogue:poll_answer", "POST"): lambda w: (
        reverse("dialogue:poll_answer", args=[w.event.slug, w.poll.pk]),
        {"option": str(w.poll_option)},
    ),
    ("moderation:polls", "GET"): lambda w: (reverse("moderation:polls", args=[w.event.slug]), {}),
    ("moderation:polls", "POST"): lambda w: (
        reverse("moderation:polls", args=[w.event.slug]),
        {"question": "Ý kiến về thủ tục?", "kind": "text"},
    ),
    ("moderation:poll", "POST"): lambda w: (
        reverse("moderation:poll", args=[w.event.slug, w.draft_poll.pk]),
        {"action": "open"},
    ),
    ("dialogue:archive", "GET"): lambda w: (reverse("dialogue:archive", args=[w.ended.slug]), {}),
    ("dialogue:rate", "POST"): lambda w: (
        reverse("dialogue:rate", args=[w.ended.slug, w.question.pk]),
        {"score": "5"},
    ),
    ("dialogue:similar", "POST"): lambda w: (
        reverse("dialogue:similar", args=[w.event.slug]),
        {"q": "Câu hỏi thử"},
    ),
    # The asker's private link: whoever holds it is the asker (docs/security.md).
    ("dialogue:mine", "GET"): lambda w: (
        reverse("dialogue:mine", args=[w.event.slug, follow_token(w.participant)]),
        {},
    ),
    ("dialogue:renew_link", "POST"): lambda w: (
        reverse("dialogue:renew_link", args=[w.event.slug, follow_token(w.participant)]),
        {},
    ),
    # A browser subscribing to Web Push from the private page (dialogue/push.py).
    ("dialogue:push", "POST"): lambda w: (
        reverse("dialogue:push", args=[w.event.slug, follow_token(w.participant)]),
        {
            "endpoint": "https://fcm.googleapis.com/fcm/send/matrix",
            "p256dh": "BOGiJqTJ2riFxKWvRx_90a_DK9-xpr_Gqal92E-3cVXSEhuguLHE0rY"
            "hX9mpzVtz20UbKbr59aRAxIxXzzSdHqw",
            "auth": "AAECAwQFBgcICQoLDA0ODw",
        },
    ),
    ("erasure:erase", "POST"): lambda w: (
        reverse("erasure:erase", args=[w.event.slug, follow_token(w.participant)]),
        {"confirm": "yes"},
    ),
    ("moderation:console", "GET"): lambda w: (
        reverse("moderation:console", args=[w.event.slug]),
        {},
    ),
    ("moderation:log", "GET"): lambda w: (reverse("moderation:log", args=[w.event.slug]), {}),
    ("moderation:status", "POST"): lambda w: (
        reverse("moderation:status", args=[w.event.slug]),
        {"status": "ended"},
    ),
    ("moderation:renew_stage_link", "POST"): lambda w: (
        reverse("moderation:renew_stage_link", args=[w.event.slug]),
        {},
    ),
    ("moderation:due", "GET"): lambda w: (reverse("moderation:due", args=[w.event.slug]), {}),
    ("moderation:extend_due", "POST"): lambda w: (
        reverse("moderation:extend_due", args=[w.event.slug, w.owed.pk]),
        {"days": "2", "version": str(w.owed.version), "reason": "Cần xin ý kiến Sở Xây dựng"},
    ),
    ("moderation:agency_due", "GET"): lambda w: (
        reverse("moderation:agency_due", args=[w.event.agency.slug]),
        {},
    ),
    ("moderation:official", "GET"): lambda w: (
        reverse("moderation:official", args=[w.event.slug]),
        {},
    ),
    ("stage:screen", "GET"): lambda w: (reverse("stage:screen", args=[w.event.stage_token]), {}),
    # A short-text poll's word cloud, by the stage's link (dialogue/wordcloud.py).
    ("stage:cloud", "GET"): lambda w: (
        reverse(
            "stage:cloud",
            args=[
                w.event.stage_token,
                Poll.objects.create(
                    event=w.event, question="Một từ?", kind=Poll.Kind.TEXT, status="closed"
                ).pk,
            ],
        ),
        {},
    ),
    ("events:manage:index", "GET"): lambda w: (reverse("events:manage:index"), {}),
    ("events:manage:agency", "GET"): lambda w: (
        reverse("events:manage:agency", args=[w.event.agency.slug]),
        {},
    ),
    ("events:manage:invite", "POST"): lambda w: (
        reverse("events:manage:invite", args=[w.event.agency.slug]),
        {"email": "can-bo-moi@example.org", "role": "official", "event": w.event.pk, "title": ""},
    ),
    ("events:manage:revoke", "POST"): lambda w: (
        reverse("events:manage:revoke", args=[w.event.agency.slug, w.invitation.pk]),
        {},
    ),
    ("events:manage:events", "GET"): lambda w: (
        reverse("events:manage:events", args=[w.event.agency.slug]),
        {},
    ),
    ("events:manage:create_event", "GET"): lambda w: (
        reverse("events:manage:create_event", args=[w.event.agency.slug]),
        {},
    ),
    ("events:manage:create_event", "POST"): lambda w: (
        reverse("events:manage:create_event", args=[w.event.agency.slug]),
        event_form(title="Đối thoại mới"),
    ),
    ("events:manage:event", "GET"): lambda w: (
        reverse("events:manage:event", args=[w.event.agency.slug, w.event.slug]),
        {},
    ),
    ("events:manage:event", "POST"): lambda w: (
        reverse("events:manage:event", args=[w.event.agency.slug, w.event.slug]),
        event_form(title="Tên mới của cuộc đối thoại"),
    ),
    ("events:manage:open_standing_qa", "POST"): lambda w: (
        reverse("events:manage:open_standing_qa", args=[w.event.agency.slug]),
        {"answer_days": "10"},
    ),
    ("events:manage:clone_event", "POST"): lambda w: (
        reverse("events:manage:clone_event", args=[w.event.agency.slug, w.event.slug]),
        {},
    ),
    ("events:manage:integration", "GET"): lambda w: (
        reverse("events:manage:integration", args=[w.event.agency.slug]),
        {},
    ),
    ("events:manage:integration", "POST"): lambda w: (
        reverse("events:manage:integration", args=[w.event.agency.slug]),
        {"embed_origins": "https://portal.example.gov.vn"},
    ),
    ("events:manage:agency_change", "GET"): lambda w: (
        reverse("events:manage:agency_change", args=[w.event.agency.slug]),
        {},
    ),
    ("events:manage:rename_agency", "POST"): lambda w: (
        reverse("events:manage:rename_agency", args=[w.event.agency.slug]),
        {"name": "Sở Tư pháp (tên mới)", "slug": ""},
    ),
    ("events:manage:move_agency", "POST"): lambda w: (
        reverse("events:manage:move_agency", args=[w.sub_agencies[0].slug]),
        {"parent": w.sub_agencies[1].pk},
    ),
    ("events:manage:merge_agency", "POST"): lambda w: (
        reverse("events:manage:merge_agency", args=[w.sub_agencies[0].slug]),
        {"into": w.sub_agencies[1].pk, "confirm": "on"},
    ),
    ("reports:rollup_feed", "GET"): lambda w: (reverse("reports:rollup_feed"), {}),
    ("reports:rollup", "GET"): lambda w: (reverse("reports:rollup"), {}),
    ("reports:rollup_data", "GET"): lambda w: (reverse("reports:rollup_data"), {}),
    ("reports:rollup_document", "GET"): lambda w: (reverse("reports:rollup_document"), {}),
    ("reports:rollup_upload", "POST"): lambda w: (
        reverse("reports:rollup_upload"),
        {
            "source": w.rollup_source.pk,
            "document": SimpleUploadedFile("bao-cao.json", rollup_document.build_document()),
        },
    ),
    ("reports:rollup_pull", "POST"): lambda w: (
        reverse("reports:rollup_pull", args=[w.rollup_source.pk]),
        {},
    ),
    ("reports:dialogue", "GET"): lambda w: (reverse("reports:dialogue", args=[w.event.slug]), {}),
    ("reports:dialogue_export", "GET"): lambda w: (
        reverse("reports:dialogue_export", args=[w.event.slug, "csv"]),
        {},
    ),
    ("reports:dialogue_polls_export", "GET"): lambda w: (
        reverse("reports:dialogue_polls_export", args=[w.event.slug, "xlsx"]),
        {},
    ),
    ("reports:dialogue_pdf", "GET"): lambda w: (
        reverse("reports:dialogue_pdf", args=[w.event.slug]),
        {},
    ),
    ("reports:export_job", "GET"): lambda w: (
        reverse("reports:export_job", args=[w.export_job.pk]),
        {},
    ),
    ("reports:export_download", "GET"): lambda w: (
        reverse("reports:export_download", args=[w.export_job.pk]),
        {},
    ),
    ("reports:agency", "GET"): lambda w: (
        reverse("reports:agency", args=[w.event.agency.slug]),
        {},
    ),
    ("reports:agency_pdf", "GET"): lambda w: (
        reverse("reports:agency_pdf", args=[w.event.agency.slug]),
        {},
    ),
    ("reports:agency_xlsx", "GET"): lambda w: (
        reverse("reports:agency_xlsx", args=[w.event.agency.slug]),
        {},
    ),
    ("reports:agency_csv", "GET"): lambda w: (
        reverse("reports:agency_csv", args=[w.event.agency.slug]),
        {},
    ),
    ("reports:issue", "POST"): lambda w: (
        reverse("reports:issue", args=[w.event.agency.slug]),
        {**ISSUE_FORM},
    ),
    ("reports:issued_list", "GET"): lambda w: (
        reverse("reports:issued_list", args=[w.event.agency.slug]),
        {},
    ),
    ("reports:issued", "GET"): lambda w: (
        reverse("reports:issued", args=[w.event.agency.slug, w.issued.pk]),
        {},
    ),
    ("reports:issued_pdf", "GET"): lambda w: (
        reverse("reports:issued_pdf", args=[w.event.agency.slug, w.issued.pk]),
        {},
    ),
    ("reports:issued_xlsx", "GET"): lambda w: (
        reverse("reports:issued_xlsx", args=[w.event.agency.slug, w.issued.pk]),
        {},
    ),
    ("reports:issue_correction", "POST"): lambda w: (
        reverse("reports:issue_correction", args=[w.event.agency.slug, w.issued.pk]),
        {**ISSUE_FORM},
    ),
    ("reports:public_statistics", "GET"): lambda w: (
        reverse("reports:public_statistics", args=[w.event.agency.slug]),
        {},
    ),
    ("api:agency_statistics", "GET"): lambda w: (
        reverse("api:agency_statistics", args=[w.event.agency.slug]),
        {},
    ),
    ("api:agency_report", "GET"): lambda w: (
        reverse("api:agency_report", args=[w.event.agency.slug])
        + "?start=2020-01-01&end=2100-01-01",
        {},
    ),
    ("api:event_report", "GET"): lambda w: (
        reverse("api:event_report", args=[w.event.slug]),
        {},
    ),
    ("events:agency", "GET"): lambda w: (w.event.agency.get_absolute_url(), {}),
    ("events:agency_calendar", "GET"): lambda w: (
        reverse("events:agency_calendar", args=[w.event.agency.slug]),
        {},
    ),
    ("events:event_calendar", "GET"): lambda w: (
        reverse("events:event_calendar", args=[w.event.slug]),
        {},
    ),
    ("dialogue:answers_feed", "GET"): lambda w: (reverse("dialogue:answers_feed"), {}),
    ("dialogue:embed_agency", "GET"): lambda w: (
        reverse("dialogue:embed_agency", args=[w.event.agency.slug]),
        {},
    ),
    ("dialogue:embed_event", "GET"): lambda w: (
        reverse("dialogue:embed_event", args=[w.event.slug]),
        {},
    ),
    ("dialogue:manifest", "GET"): lambda w: (reverse("dialogue:manifest"), {}),
    ("dialogue:service_worker", "GET"): lambda w: (reverse("dialogue:service_worker"), {}),
    ("api:index", "GET"): lambda w: (reverse("api:index"), {}),
    ("api:api-root", "GET"): lambda w: (reverse("api:api-root"), {}),
    ("api:openapi-json", "GET"): lambda w: (reverse("api:openapi-json"), {}),
    ("api:events", "GET"): lambda w: (reverse("api:events"), {}),
    # The same for every role; /metrics answers only METRICS_ALLOWED_IPS (the test client is on
    # loopback), and nginx passes neither /readyz nor /metrics on (docs/operations.md).
    ("healthz", "GET"): lambda w: (reverse("healthz"), {}),
    ("readyz", "GET"): lambda w: (reverse("readyz"), {}),
    ("metrics", "GET"): lambda w: (reverse("metrics"), {}),
    ("api:event", "GET"): lambda w: (reverse("api:event", args=[w.event.slug]), {}),
    ("api:event_questions", "GET"): lambda w: (
        reverse("api:event_questions", args=[w.event.slug]),
        {},
    ),
    ("api:answers", "GET"): lambda w: (reverse("api:answers"), {}),
    ("events:invitation", "GET"): lambda w: (
        reverse("events:invitation", args=[w.invitation_token]),
        {},
    ),
    ("events:invitation", "POST"): lambda w: (
        reverse("events:invitation", args=[w.invitation_token]),
        {},
    ),
    ("events:account", "GET"): lambda w: (reverse("events:account"), {}),
    ("events:export_data", "GET"): lambda w: (reverse("events:export_data"), {}),
    ("events:delete_account", "POST"): lambda w: (
        reverse("events:delete_account"),
        {"confirmation": "@self"},
    ),
    ("events:privacy", "GET"): lambda w: (reverse("events:privacy"), {}),
    ("guides:index", "GET"): lambda w: (reverse("guides:index"), {}),
    ("guides:organiser", "GET"): lambda w: (reverse("guides:organiser"), {}),
    ("guides:moderator", "GET"): lambda w: (reverse("guides:moderator"), {}),
    ("guides:official", "GET"): lambda w: (reverse("guides:official"), {}),
    ("guides:checklist", "GET"): lambda w: (reverse("guides:checklist"), {}),
    ("law:library", "GET"): lambda w: (reverse("law:library"), {}),
    ("law:library", "POST"): lambda w: (reverse("law:library"), {"q": "ly hon"}),
    ("law:document", "GET"): lambda w: (demo_article().document.get_absolute_url(), {}),
    ("law:article", "GET"): lambda w: (demo_article().get_absolute_url(), {}),
    ("set_language", "POST"): lambda w: (reverse("set_language"), {"language": "en", "next": "/"}),
    ("admin:index", "GET"): lambda w: (reverse("admin:index"), {}),
    ("events:join_code", "GET"): lambda w: (
        reverse("events:join_code", args=[w.event.join_code]),
        {},
    ),
    ("events:join_by_code", "GET"): lambda w: (
        f"{reverse('events:join_by_code')}?code={w.event.join_code}",
        {},
    ),
    ("consultation:draft", "GET"): lambda w: (w.draft.get_absolute_url(), {}),
    ("consultation:join", "POST"): lambda w: (
        reverse("consultation:join", args=[w.draft.pk]),
        join_form(w.draft.event, "Người góp ý"),
    ),
    ("consultation:comment", "POST"): lambda w: (
        reverse("consultation:comment", args=[w.draft.pk]),
        {"article": w.draft.articles.get(number="4").pk, "text": "Góp ý thử quyền"},
    ),
    ("consultation:support", "POST"): lambda w: (
        reverse("consultation:support", args=[w.draft.pk, w.published_comment.pk]),
        {},
    ),
    ("consultation:withdraw_support", "POST"): lambda w: (
        reverse("consultation:withdraw_support", args=[w.draft.pk, w.published_comment.pk]),
        {},
    ),
    ("consultation:version", "GET"): lambda w: (
        reverse("consultation:version", args=[w.draft.pk, 1]),
        {},
    ),
    ("consultation:comments", "GET"): lambda w: (
        reverse("consultation:comments", args=[w.draft.pk, w.published_comment.article_id]),
        {},
    ),
    ("consultation:summary", "GET"): lambda w: (
        reverse("consultation:summary", args=[w.summarised.pk]),
        {},
    ),
    ("consultation:summary_csv", "GET"): lambda w: (
        reverse("consultation:summary_csv", args=[w.summarised.pk]),
        {},
    ),
    ("consultation:summary_xlsx", "GET"): lambda w: (
        reverse("consultation:summary_xlsx", args=[w.summarised.pk]),
        {},
    ),
    ("consultation_staff:drafts", "GET"): lambda w: (
        reverse("consultation_staff:drafts", args=[w.event.agency.slug]),
        {},
    ),
    ("consultation_staff:create", "GET"): lambda w: (
        reverse("consultation_staff:create", args=[w.event.agency.slug]),
        {},
    ),
    ("consultation_staff:create", "POST"): lambda w: (
        reverse("consultation_staff:create", args=[w.event.agency.slug]),
        {"title": "Dự thảo mới", "event": w.event.pk, "text": DRAFT_TEXT},
    ),
    ("consultation_staff:review", "GET"): lambda w: (
        reverse("consultation_staff:review", args=[w.draft.pk]),
        {},
    ),
    ("consultation_staff:status", "POST"): lambda w: (
        reverse("consultation_staff:status", args=[w.draft.pk]),
        {"status": "closed"},
    ),
    ("consultation_staff:publish_summary", "POST"): lambda w: (
        reverse("consultation_staff:publish_summary", args=[w.draft.pk]),
        {"note": "Tổng hợp"},
    ),
    ("consultation_staff:publish_version", "POST"): lambda w: (
        reverse("consultation_staff:publish_version", args=[w.draft.pk]),
        {"text": DRAFT_TEXT.replace("06 tháng", "09 tháng"), "note": "Sửa thời gian hỗ trợ"},
    ),
    ("consultation_staff:approve", "POST"): lambda w: (
        reverse("consultation_staff:approve", args=[w.draft.pk, w.pending_comment.pk]),
        {},
    ),
    ("consultation_staff:reject", "POST"): lambda w: (
        reverse("consultation_staff:reject", args=[w.draft.pk, w.pending_comment.pk]),
        {"reason": "off_topic"},
    ),
    ("consultation_staff:reply", "POST"): lambda w: (
        reverse("consultation_staff:reply", args=[w.draft.pk, w.published_comment.pk]),
        {"disposition": "explained", "body": "Giải trình thử"},
    ),
}


# What a request of the row sends besides its body: the roll-up's document is read with its
# token, by another installation rather than by an account (docs/security.md).
HEADERS: dict[tuple[str, str], dict[str, str]] = {
    ("reports:rollup_feed", "GET"): {"Authorization": f"Bearer {ROLLUP_TOKEN}"},
}


@pytest.fixture(autouse=True)
def _rollup_publishing(settings: Any) -> None:
    """This installation publishes its issued reports for the roll-up, and offers Web Push."""
    settings.ROLLUP_SIGNING_KEY = ROLLUP_KEY
    settings.ROLLUP_FEED_TOKEN = ROLLUP_TOKEN
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "JW-xh-H-R7ET7rG6iUNVz7xI3WJJZav5l38DGjHEX4o"


def demo_article() -> LegalArticle:
    """An article of the demo library, imported on first use."""
    if not LegalArticle.objects.exists():
        create_demo_library()
    return LegalArticle.objects.select_related("document").get(
        document__slug="bo-luat-dan-su-2015", number="651"
    )


# Writes whose "ok" must change the database (reads and preferences change nothing); a GET of
# the same name (a form page) reads only.
WRITES = {
    "moderation:extend_due",
    "dialogue:join",
    "dialogue:poll_answer",
    "moderation:polls",
    "moderation:poll",
    "dialogue:ask",
    "dialogue:vote",
    "erasure:erase",
    "dialogue:renew_link",
    "dialogue:push",
    "moderation:status",
    "moderation:renew_stage_link",
    "events:manage:invite",
    "events:manage:revoke",
    "events:manage:create_event",
    "events:manage:open_standing_qa",
    "events:manage:event",
    "events:manage:clone_event",
    "events:manage:integration",
    "events:manage:rename_agency",
    "events:manage:move_agency",
    "events:manage:merge_agency",
    "events:delete_account",
    "reports:issue",
    "reports:issue_correction",
    "reports:rollup_upload",
    "consultation:join",
    "consultation:comment",
    "consultation:support",
    "consultation:withdraw_support",
    "consultation_staff:create",
    "consultation_staff:status",
    "consultation_staff:publish_summary",
    "consultation_staff:publish_version",
    "consultation_staff:approve",
    "consultation_staff:reject",
    "consultation_staff:reply",
}


def declaration_of(key: str) -> str:
    """The entry of config/access.py that declares `key`: itself, or its longest prefix."""
    if key in access.URLS:
        return key
    return max((p for p in access.URLS if p.endswith("*") and key.startswith(p[:-1])), key=len)


def served_url_names() -> dict[str, access.Access]:
    """Every route the resolver serves, as config/access.py declares it, but those outside."""
    routes = {route.key: route.access for route in access.url_routes()}
    assert None not in routes.values(), "tests/access/test_route_declarations.py says which"
    return {
        key: value
        for key, value in routes.items()
        if value is not None
        and declaration_of(key) not in OUTSIDE_THE_TABLE
        and not (key.startswith("admin:") and key != "admin:index")
    }


def test_every_endpoint_has_a_row_in_the_policy():
    in_table = {name for name, method in POLICY_ROWS if method != "WS"}
    assert set(served_url_names()) == in_table
    assert {key for key in POLICY_ROWS if key[1] != "WS"} == set(REQUESTS)


def test_each_row_agrees_with_the_route_s_declaration():
    """Staff routes send the anonymous to sign in or refuse them; public ones serve everyone."""
    declared = served_url_names()
    for (name, method), row in POLICY_ROWS.items():
        if method == "WS":
            continue
        if declared[name] is access.STAFF:
            assert row["anonymous"] in ("login", "deny"), name
        elif declared[name] is access.PUBLIC:
            assert set(row.values()) == {"ok"}, name


def test_every_socket_route_is_a_socket_of_the_table():
    served = {str(p.pattern) for p in access.socket_router(application).routes}
    kinds = {
        "citizen": "ws/events/<slug:slug>/",
        "moderator": "ws/events/<slug:slug>/moderate/",
        "official": "ws/events/<slug:slug>/official/",
        "stage": "ws/stage/<slug:token>/",
        "draft": "ws/consultation/<int:pk>/",
    }
    assert set(kinds) == set(SOCKET_PATHS)
    assert set(kinds.values()) == served
    for kind, route in kinds.items():
        row = POLICY_ROWS[(f"{kind} socket: connect", "WS")]
        if access.SOCKETS[route] is access.STAFF:
            assert row["anonymous"] == row["citizen"] == "deny", kind
        elif access.SOCKETS[route] is access.PUBLIC:
            assert set(row.values()) == {"ok"}, kind


def test_every_socket_command_has_a_row_in_the_policy():
    def types(adapter_union: Any) -> set[str]:
        return {
            member.model_fields["type"].annotation.__args__[0]
            for member in adapter_union.__args__[0].__args__
        }

    expected = {f"citizen socket: {t}" for t in types(citizen_messages.CitizenCommand)}
    expected |= {f"moderator socket: {t}" for t in moderator_messages.COMMAND_TYPES}
    expected |= {f"official socket: {t}" for t in moderator_messages.OFFICIAL_COMMAND_TYPES}
    expected |= {
        f"{kind} socket: connect" for kind in ("citizen", "moderator", "official", "stage", "draft")
    }
    assert expected == {name for name, method in POLICY_ROWS if method == "WS"}


HTTP_CELLS = [cell for cell in CELLS if cell[1] != "WS"]


@pytest.fixture(autouse=True)
def _task_worker_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    # /readyz is ready once a task worker has been seen (config/taskworker.py).
    from django.utils import timezone

    from config import taskworker

    monkeypatch.setattr(taskworker, "last_seen", timezone.now)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "role", "outcome"),
    HTTP_CELLS,
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in HTTP_CELLS],
)
def test_http_cell(name, method, role, outcome, django_capture_on_commit_callbacks):
    world = build_world()
    client = Client()
    person = world.people[role]
    if person is not None:
        client.force_login(person, backend=settings.AUTHENTICATION_BACKENDS[0])
    url, data = REQUESTS[(name, method)](world)
    if data.get("confirmation") == "@self":
        data["confirmation"] = person.email if person else ""
    headers = HEADERS.get((name, method), {})
    before = state()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, data, headers=headers)
    after = state()
    location = response.headers.get("Location", "")
    to_login = response.status_code == 302 and (
        "/accounts/login" in location or "/admin/login" in location
    )
    if outcome == "ok":
        assert response.status_code < 400, (response.status_code, location)
        assert not to_login, location
        if name in WRITES and method == "POST":
            assert after != before, "an allowed write changed nothing"
        return
    assert after == before, "a refused request changed the database"
    assert callbacks == [], "a refused request broadcast something"
    if outcome == "login":
        assert to_login, (response.status_code, location)
    elif outcome == "deny":
        assert response.status_code in (403, 404), response.status_code
    else:
        assert response.status_code in (200, 302, 400), (response.status_code, location)
        assert not to_login, location


STAFF_CELLS = [
    (name, method, next(role for role in ROLES if row[role] == "ok"))
    for (name, method), row in POLICY_ROWS.items()
    if method != "WS"
    and access.declared(name) is access.STAFF
    and "ok" in row.values()
    # Every signed-in person sees the organiser pages' index; the staff among them need 2FA.
    and name != "events:manage:index"
] + [("events:manage:index", "GET", "moderator")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "role"), STAFF_CELLS, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in STAFF_CELLS]
)
def test_staff_without_two_factors_reach_no_staff_route(
    name, method, role, django_capture_on_commit_callbacks
):
    """The cell's "ok" person, with a password alone: sent to set up two factors, nothing done."""
    world = build_world()
    person = world.people[role]
    assert person is not None
    Authenticator.objects.filter(user=person).delete()
    client = Client()
    client.force_login(person, backend=settings.AUTHENTICATION_BACKENDS[0])
    url, data = REQUESTS[(name, method)](world)
    before = state()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(url) if method == "GET" else client.post(url, data)
    assert state() == before
    assert callbacks == []
    if name.startswith("api:"):
        assert response.status_code == 403
        assert response.json() == {"detail": "two_factor_required"}
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == reverse("mfa_activate_totp")


# --- Sockets -------------------------------------------------------------------------------------


def socket_frame(kind: str, command: str, world: World) -> dict[str, Any]:
    q, pending, other = world.question, world.pending, world.other_question
    frames: dict[str, dict[str, Any]] = {
        "ask": {"client_id": str(uuid.uuid4()), "text": "Câu hỏi thử quyền"},
        "vote": {"question": q.pk},
        "unvote": {"question": q.pk},
        "approve": {"question": pending.pk, "version": pending.version},
        "reject": {"question": pending.pk, "version": pending.version, "reason": "off_topic"},
        "edit": {"question": q.pk, "version": q.version, "text": "Câu hỏi đã sửa"},
        "tag": {"question": q.pk, "version": q.version, "topic": "Đất đai"},
        "star": {"question": q.pk, "version": q.version, "starred": True},
        "route": {"question": q.pk, "version": q.version, "official": None},
        "stage": {"question": q.pk, "version": q.version, "stage": "next"},
        "merge": {
            "question": q.pk,
            "version": q.version,
            "sources": [{"question": other.pk, "version": other.version}],
        },
        "bulk": {
            "action": "approve",
            "items": [{"question": pending.pk, "version": pending.version}],
        },
        "modes": {"voting_open": False},
        "ban": {"participant": world.participant.pk},
        "answering": {"question": q.pk},
        "note": {"question": q.pk, "note": "Điều 137"},
        "answer": {"question": q.pk, "body": "Trả lời thử"},
        "law": {"question": q.pk},
        "cite": {"question": q.pk, "article": world.article.pk, "clause": world.clause},
        "uncite": {"question": q.pk, "citation": world.citation.pk},
        "poll_answer": {"poll": world.poll.pk, "options": [world.poll_option]},
        "open_poll": {"poll": world.draft_poll.pk},
        "close_poll": {"poll": world.poll.pk},
        "show_poll": {"poll": world.poll.pk, "shown": True},
        # The private link's token: whoever holds it follows that asker's questions.
        "follow": {"token": follow_token(world.participant)},
    }
    return {"type": command, **frames.get(command, {})}


SOCKET_PATHS = {
    "citizen": lambda w: f"/ws/events/{w.event.slug}/",
    "moderator": lambda w: f"/ws/events/{w.event.slug}/moderate/",
    "official": lambda w: f"/ws/events/{w.event.slug}/official/",
    "stage": lambda w: f"/ws/stage/{w.event.stage_token}/",
    "draft": lambda w: f"/ws/consultation/{w.draft.pk}/",
}
WS_CELLS = [cell for cell in CELLS if cell[1] == "WS"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "method", "role", "outcome"), WS_CELLS, ids=[f"{c[0]}-{c[2]}" for c in WS_CELLS]
)
async def test_socket_cell(name, method, role, outcome):
    kind, command = re.match(r"(\w+) socket: `?(\w+)`?", name).groups()  # type: ignore[union-attr]
    world = await sync_to_async(build_world)()
    person = world.people[role]
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if person is not None:
        headers.append((b"cookie", (await session_cookie(user=person)).encode()))
    communicator = WebsocketCommunicator(application, SOCKET_PATHS[kind](world), headers=headers)
    accepted, _ = await communicator.connect(timeout=5)
    if outcome == "deny":
        assert not accepted
        return
    assert accepted
    client = SocketClient(communicator)
    await client.next()  # the snapshot
    if command == "connect":
        await client.close()
        return
    before = await sync_to_async(state)()
    command_id = await client.send(socket_frame(kind, command, world))
    while (reply := await client.next()).get("reply_to") != command_id:
        pass
    after = await sync_to_async(state)()
    await client.close()
    if outcome == "ok":
        assert reply["type"] != "error", reply
    else:
        assert reply["type"] == "error", reply
        assert after == before
