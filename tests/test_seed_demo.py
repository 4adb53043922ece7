"""The demo seed: complete, consistent, idempotent, and recreated by --reset."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.sites.models import Site
from django.core.management import call_command, load_command_class
from django.db.models import Count, F
from django.utils import timezone

from config.demo import SYSTEM_EMAIL, load
from dialogue.models import Question
from dialogue.selectors import catalogue
from events.models import Agency, Event, User
from moderation.models import ModerationLog

LIVE_SLUG = "doi-thoai-luat-dat-dai-2024"
ACCOUNTS = (
    "admin@example.org",
    "bientap@example.org",
    "canbo@example.org",
    "tochuc@example.org",
    "congdan@example.org",
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_twice_creates_the_demo_once() -> None:
    first = seed()
    questions = Question.objects.count()
    second = seed()

    assert "http://127.0.0.1:8000/e/doi-thoai-luat-dat-dai-2024/" in first
    assert "already present" in second
    assert Question.objects.count() == questions
    assert Agency.objects.filter(slug="so-tu-phap-bac-ninh").count() == 1
    assert Agency.objects.filter(slug="ubnd-xa-hoa-binh").count() == 1

    live = Event.objects.get(slug=LIVE_SLUG)
    assert live.status == Event.Status.LIVE
    assert live.moderation_mode == Event.Moderation.POST
    assert live.allow_anonymous
    assert live.intake_is_open()
    public = live.questions.filter(status__in=Question.PUBLIC_STATUSES).count()
    assert public >= 20
    assert live.participants.count() >= 12
    assert live.questions.values("author").distinct().count() >= 12
    assert live.questions.filter(status=Question.Status.PENDING).count() == 3
    assert live.questions.filter(status=Question.Status.REJECTED).count() == 1
    assert live.questions.filter(is_anonymous=True).exists()
    assert live.questions.filter(vote_count__gte=15).exists()
    assert live.public_seq >= public


def test_every_vote_count_matches_its_vote_rows() -> None:
    seed()

    questions = Question.objects.annotate(rows=Count("votes"))
    assert questions.exists()
    assert not questions.exclude(vote_count=F("rows")).exists()
    for event in Event.objects.all():
        published = event.questions.filter(status__in=Question.PUBLIC_STATUSES).count()
        assert event.public_seq >= published


def test_draft_is_not_in_the_catalogue() -> None:
    seed()

    draft = Event.objects.get(status=Event.Status.DRAFT)
    listed = [event.pk for group in catalogue().values() for event in group]
    assert draft.pk not in listed
    assert Event.objects.get(slug=LIVE_SLUG).pk in listed
    assert len(listed) == Event.objects.exclude(status=Event.Status.DRAFT).count()


def test_each_account_can_sign_in() -> None:
    seed()

    for email in ACCOUNTS:
        user = authenticate(email=email, password="demo12345")
        assert user is not None, email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
    assert User.objects.get(email="admin@example.org").is_superuser
    assert User.objects.get(email="bientap@example.org").is_staff
    assert not User.objects.get(email="congdan@example.org").is_staff
    site = Site.objects.get(pk=1)
    assert (site.domain, site.name) == ("127.0.0.1:8000", "Đối thoại chính sách – pháp luật")


def test_reset_deletes_and_recreates_the_demo() -> None:
    seed()
    live = Event.objects.get(slug=LIVE_SLUG)
    questions = Question.objects.count()
    users = User.objects.count()
    per_agency = dict(Event.objects.values_list("agency__slug").annotate(n=Count("pk")))
    live.questions.all().delete()
    User.objects.filter(email="congdan@example.org").update(is_active=False)

    seed("--reset")

    recreated = Event.objects.get(slug=LIVE_SLUG)
    assert recreated.pk != live.pk
    assert Question.objects.count() == questions
    assert User.objects.count() == users
    assert dict(Event.objects.values_list("agency__slug").annotate(n=Count("pk"))) == per_agency
    assert per_agency["ubnd-xa-hoa-binh"] >= 1
    assert authenticate(email="congdan@example.org", password="demo12345") is not None


def test_help_text_renders() -> None:
    parser = load_command_class("config", "seed_demo").create_parser("manage.py", "seed_demo")

    assert "--reset" in parser.format_help()


def test_the_demo_s_moderation_is_audited_as_its_named_system_account() -> None:
    seed()
    system = User.objects.get(email=SYSTEM_EMAIL)
    assert not system.is_active
    assert not system.has_usable_password()
    decided = Question.objects.filter(
        event__slug=LIVE_SLUG, status__in=[*Question.PUBLIC_STATUSES, Question.Status.REJECTED]
    )
    logged = ModerationLog.objects.filter(actor=system, question__in=decided)
    # Every published or rejected question of the live dialogue went through the service.
    assert set(logged.values_list("question", flat=True)) == set(
        decided.values_list("pk", flat=True)
    )
    # Answered ones were answered on stage, through their record, like any other.
    assert set(logged.values_list("action", flat=True)) <= {
        ModerationLog.Action.APPROVE,
        ModerationLog.Action.REJECT,
        ModerationLog.Action.STAGE,
    }
    answered = decided.filter(status=Question.Status.ANSWERED)
    assert answered.exists()
    assert all(q.answered_how == "live" and q.answer.is_published for q in answered)


def test_the_demo_data_file_names_only_known_values() -> None:
    demo = load()
    assert demo.main_agency.slug == "so-tu-phap-bac-ninh"
    for spec in demo.events:
        assert spec.status in Event.Status.values
        assert all(ask.status in Question.Status.values for ask in spec.asks)
    for past in demo.past_dialogues:
        assert past.legal_field in Event.LegalField.values
        assert all(reason in Question.RejectionReason.values for reason, _ in past.rejected)


def test_the_demo_agencies_are_the_two_levels_of_today_with_a_merge() -> None:
    """Since 1 July 2025: the province, its departments and its communes and wards; no district.
    The Bắc Giang department of justice was merged into Bắc Ninh's, and the province's report
    shows a row per sub-agency, the merged one labelled, its dialogue held before the merge."""
    from datetime import date

    from events.models import AgencyChange
    from reports.issued import period_bounds
    from reports.selectors import agency_report

    seed()
    province = Agency.objects.get(slug="ubnd-tinh-bac-ninh")
    assert province.parent is None
    below = set(Agency.objects.filter(parent=province).values_list("slug", flat=True))
    assert below == {
        "so-tu-phap-bac-ninh",
        "so-tu-phap-bac-giang",
        "ubnd-xa-hoa-binh",
        "ubnd-phuong-trung-hoa",
    }
    assert not Agency.objects.filter(name__icontains="huyện").exists()
    merge = AgencyChange.objects.get(kind=AgencyChange.Kind.MERGE)
    assert merge.agency.slug == "so-tu-phap-bac-giang"
    assert merge.into is not None
    assert merge.into.slug == "so-tu-phap-bac-ninh"
    start, end = period_bounds(date(2025, 1, 1), timezone.localdate())
    labels = [row.label for row in agency_report(province, start=start, end=end).by_agency]
    assert labels == [
        "UBND tỉnh Bắc Ninh",
        "Sở Tư pháp tỉnh Bắc Ninh",
        "Sở Tư pháp tỉnh Bắc Giang (hợp nhất vào Sở Tư pháp tỉnh Bắc Ninh ngày 01/07/2025)",
        "UBND phường Trung Hòa",
        "UBND xã Hòa Bình",
    ]
    # Seeding again after a reset makes the same merge once more.
    seed("--reset")
    assert AgencyChange.objects.filter(kind=AgencyChange.Kind.MERGE).count() == 1
