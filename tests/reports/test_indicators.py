"""Every indicator of the agency report recounted here from the raw rows, with plain loops.

A province and its department hold dialogues online, hybrid and in person; the same account
takes part in two of them, nicknames in several; answers come live and in writing, on time,
late and not at all; questions are rejected for reasons and answers rated; both agencies run a
standing Q&A and put drafts out for comment. The report, its API, XLSX and CSV must say what
the rows say.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from consultation.models import Article, Comment, Draft, Reply
from dialogue.models import Answer, AnswerRating, Participant, PresenceSample, Question, Vote
from events.models import Agency, Event, User
from reports import exports, selectors
from reports.selectors import AgencyReport
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    AnswerFactory,
    CommentFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2026, 1, 1, tzinfo=HANOI), datetime(2027, 1, 1, tzinfo=HANOI)
NOW = datetime(2026, 12, 4, 9, tzinfo=HANOI)
PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


@dataclass
class World:
    province: Agency
    department: Agency
    organiser: User
    officials: dict[str, User]
    events: dict[str, Event]
    standing: dict[str, Event] = field(default_factory=dict)


def at(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=HANOI)


def asked(event: Event, author: Participant, when: datetime, **fields: object) -> Question:
    question = QuestionFactory(event=event, author=author, **fields)
    Question.objects.filter(pk=question.pk).update(created_at=when)
    return question


def answered(
    event: Event,
    author: Participant,
    official: User | None,
    *,
    how: str,
    when: datetime,
    due: datetime | None = None,
    **fields: object,
) -> Question:
    question = asked(
        event,
        author,
        when - timedelta(hours=1),
        status=Question.Status.ANSWERED,
        answered_how=how,
        answered_at=when,
        answer_due_at=due,
        **fields,
    )
    AnswerFactory(
        question=question, official=official, kind=how, body="Trả lời.", published_at=when
    )
    return question


def rate(question: Question, by: Participant, score: int) -> None:
    AnswerRating.objects.create(answer=question.answer, participant=by, score=score)


@pytest.fixture
def world() -> World:
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh", slug="ubnd-tinh-bac-ninh")
    department = Agency.objects.create(
        name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bn", parent=province
    )
    organiser = UserFactory(display_name="Trần Văn Tổ Chức")
    AgencyMembershipFactory(agency=province, user=organiser)
    officials = {
        name: UserFactory(display_name=name)
        for name in ("Nguyễn Văn An", "Lê Thị Bình", "Phạm Cường")
    }
    an, binh, cuong = officials.values()

    def dialogue(agency: Agency, when: datetime, **fields: object) -> Event:
        return EventFactory(
            agency=agency,
            starts_at=when,
            ends_at=when + timedelta(hours=2),
            status=fields.pop("status", Event.Status.ENDED),
            **fields,
        )

    events = {
        "land": dialogue(province, at(2), legal_field="land", format="online"),
        "family": dialogue(department, at(10, 4), legal_field="family", format="hybrid"),
        "land2": dialogue(department, at(5, 6), legal_field="land", format="in_person"),
        "before": dialogue(province, datetime(2025, 12, 31, 23, tzinfo=HANOI), legal_field="tax"),
        "scheduled": dialogue(province, at(1, 12), status=Event.Status.SCHEDULED),
    }
    land, family, land2 = events["land"], events["family"], events["land2"]

    # One account in two dialogues of two agencies; one nickname in two dialogues; an account
    # that joined and did nothing; an account that voted only.
    hoa = UserFactory(display_name="Nguyễn Thị Hoa")
    hoa_land = ParticipantFactory(event=land, user=hoa, nickname="")
    hoa_family = ParticipantFactory(event=family, user=hoa, nickname="")
    lan_land = ParticipantFactory(event=land, nickname="Chị Lan")
    lan_land2 = ParticipantFactory(event=land2, nickname="Chị Lan")
    ParticipantFactory(event=land, user=UserFactory(), nickname="")  # joined only
    voter = ParticipantFactory(event=family, user=UserFactory(), nickname="")
    tuan_family = ParticipantFactory(event=family, nickname="Anh Tuấn")
    ParticipantFactory(event=events["before"], user=hoa, nickname="")

    # land: two live answers (rated 5 and 3), one written on time, one rejected off topic.
    live1 = answered(land, hoa_land, an, how="live", when=at(2, hour=10))
    live2 = answered(land, lan_land, an, how="live", when=at(2, hour=10))
    answered(land, lan_land, binh, how="written", when=at(9), due=at(20))
    asked(land, hoa_land, at(2), status=Question.Status.REJECTED, rejection_reason="off_topic")
    rate(live1, hoa_land, 5)
    rate(live2, lan_land, 3)
    # family: written late, one overdue routed to Cường, one overdue routed to nobody, one
    # still due, two rejections (a personal case, off topic), one merged, a tombstone.
    late = answered(family, hoa_family, binh, how="written", when=at(30, 5), due=at(1, 5))
    rate(late, tuan_family, 2)
    asked(
        family,
        tuan_family,
        at(10, 4),
        answer_due_at=at(1, 5),
        routed_to=cuong,
    )
    asked(family, tuan_family, at(10, 4), answer_due_at=at(2, 5))
    asked(family, hoa_family, at(10, 4), answer_due_at=datetime(2027, 1, 20, tzinfo=HANOI))
    asked(
        family,
        tuan_family,
        at(10, 4),
        status=Question.Status.REJECTED,
        rejection_reason="personal_case",
    )
    asked(
        family, hoa_family, at(10, 4), status=Question.Status.REJECTED, rejection_reason="off_topic"
    )
    asked(family, tuan_family, at(10, 4), status=Question.Status.MERGED)
    erased = asked(family, tuan_family, at(10, 4), status=Question.Status.PENDING)
    Question.objects.filter(pk=erased.pk).update(erased_at=at(1, 6), text="")
    Vote.objects.create(participant=voter, question=late)
    Vote.objects.create(participant=hoa_family, question=late)
    # land2: one question answered live by Cường, closed overdue one, nothing else.
    answered(land2, lan_land2, cuong, how="live", when=at(5, 6, hour=10))
    asked(land2, lan_land2, at(5, 6), answer_due_at=at(20, 6), routed_to=binh)
    # The dialogues outside the period or not held count nowhere.
    asked(events["before"], ParticipantFactory(event=events["before"]), at(1))
    asked(events["scheduled"], ParticipantFactory(event=events["scheduled"]), at(1))

    for event, counts in ((land, (10, 25, 15)), (family, (40, 12)), (events["before"], (99,))):
        for minute, connected in enumerate(counts):
            PresenceSample.objects.create(
                event=event,
                recorded_at=event.starts_at + timedelta(minutes=minute),
                connected=connected,
            )

    standing = {
        agency.slug: Event.objects.create(
            agency=agency,
            kind=Event.Kind.STANDING,
            slug=f"hoi-dap-{agency.slug}",
            title="Hỏi đáp pháp luật",
            starts_at=datetime(2025, 1, 1, tzinfo=HANOI),
            ends_at=datetime(2125, 1, 1, tzinfo=HANOI),
            status=Event.Status.LIVE,
        )
        for agency in (province, department)
    }
    p_standing, d_standing = standing.values()
    mai = ParticipantFactory(event=p_standing, nickname="Cô Mai")
    kha = ParticipantFactory(event=d_standing, nickname="Ông Kha")
    on_time = answered(
        p_standing, mai, an, how="written", when=at(5, 7), due=at(15, 7), topic="Dân sự"
    )
    rate(on_time, mai, 4)
    asked(p_standing, mai, at(6, 7), topic="Dân sự", answer_due_at=at(20, 7), routed_to=an)
    asked(
        p_standing,
        mai,
        at(6, 7),
        topic="Đất đai",
        status=Question.Status.REJECTED,
        rejection_reason="unclear",
    )
    answered(d_standing, kha, cuong, how="written", when=at(1, 9), due=at(25, 8), topic="Đất đai")
    asked(d_standing, kha, datetime(2025, 11, 1, tzinfo=HANOI), topic="Đất đai")  # before

    drafts = {
        agency.slug: Draft.objects.create(agency=agency, title="Dự thảo", source_text="Điều 1.")
        for agency in (province, department)
    }
    Draft.objects.create(agency=province, title="Dự thảo chưa ai góp ý", source_text="Điều 1.")
    replies = {
        "p1": Reply.Disposition.ACCEPTED,
        "p2": Reply.Disposition.EXPLAINED,
        "p3": None,
        "d1": Reply.Disposition.PARTLY,
        "d2": None,
    }
    for key, disposition in replies.items():
        draft = drafts[province.slug if key[0] == "p" else department.slug]
        article, _ = Article.objects.get_or_create(draft=draft, number="1", position=1)
        comment = CommentFactory(
            draft=draft,
            article=article,
            user=hoa,
            text=f"Góp ý {key}",
            status=Comment.Status.PENDING if key == "d2" else Comment.Status.APPROVED,
        )
        if disposition is not None:
            Reply.objects.create(comment=comment, body="…", disposition=disposition)
    rejected = CommentFactory(
        draft=drafts[department.slug],
        article=Article.objects.get(draft=drafts[department.slug]),
        user=hoa,
        text="Quảng cáo",
        status=Comment.Status.REJECTED,
        rejection_reason="advertising",
    )
    old = CommentFactory(
        draft=drafts[province.slug],
        article=Article.objects.get(draft=drafts[province.slug]),
        user=hoa,
        text="Góp ý năm trước",
    )
    Comment.objects.filter(pk=rejected.pk).update(created_at=at(3, 8))
    Comment.objects.filter(pk=old.pk).update(created_at=datetime(2025, 6, 1, tzinfo=HANOI))
    Comment.objects.exclude(pk__in=[rejected.pk, old.pk]).update(created_at=at(3, 5))
    return World(province, department, organiser, officials, events, standing)


def report_of(world: World) -> AgencyReport:
    with time_machine.travel(NOW, tick=False):
        return selectors.agency_report(world.province, start=START, end=END)


# --- The recount: plain loops over the rows ------------------------------------------------------


def held(world: World) -> list[Event]:
    return [
        e
        for e in Event.objects.all()
        if e.kind == "dialogue"
        and e.status in ("live", "ended")
        and START <= e.starts_at < END
        and e.agency_id in (world.province.pk, world.department.pk)
    ]


def is_overdue(q: Question) -> bool:
    due = q.answer_due_at
    return (
        due is not None
        and due < NOW
        and q.answered_at is None
        and (q.closed_at is None or q.closed_at > due)
    )


def is_on_time(q: Question) -> bool:
    return (
        q.answer_due_at is not None
        and q.status == "answered"
        and q.answered_at is not None
        and q.answered_at <= q.answer_due_at
    )


REASONS = dict(Question.RejectionReason.choices)


def reasons_of(questions: list[Question]) -> dict[str, int]:
    found: dict[str, int] = {}
    for q in questions:
        if q.status == "rejected":
            label = str(REASONS.get(q.rejection_reason, "—"))
            found[label] = found.get(label, 0) + 1
    return found


def ratings_of(questions: list[Question]) -> tuple[int, float | None]:
    ids = {q.pk for q in questions}
    scores = [r.score for r in AnswerRating.objects.all() if r.answer.question_id in ids]
    return len(scores), round(sum(scores) / len(scores), 1) if scores else None


def recount_row(events: list[Event]) -> dict[str, object]:
    ids = {e.pk for e in events}
    questions = [q for q in Question.objects.all() if q.event_id in ids]
    askers = {q.author_id for q in Question.objects.all()}
    voters = {v.participant_id for v in Vote.objects.all()}
    active = [
        p
        for p in Participant.objects.all()
        if p.event_id in ids and (p.pk in askers or p.pk in voters)
    ]
    people = {("account", p.user_id) if p.user_id else ("nickname", p.pk) for p in active}
    peaks = []
    for event_id in ids:
        samples = [s.connected for s in PresenceSample.objects.all() if s.event_id == event_id]
        if samples:
            peaks.append(max(samples))
    ratings, average = ratings_of(questions)
    return {
        "dialogues": len(events),
        "online": sum(1 for e in events if e.format == "online"),
        "hybrid": sum(1 for e in events if e.format == "hybrid"),
        "in_person": sum(1 for e in events if e.format == "in_person"),
        "participants": len(people),
        "participations": len(active),
        "largest_peak": max(peaks, default=0),
        "peaks_summed": sum(peaks),
        "received": len(questions),
        "published": sum(1 for q in questions if q.status in ("approved", "answered")),
        "answered_live": sum(1 for q in questions if q.answered_how == "live"),
        "answered_written": sum(1 for q in questions if q.answered_how == "written"),
        "answered_on_time": sum(1 for q in questions if is_on_time(q)),
        "due_in_writing": sum(1 for q in questions if q.answer_due_at is not None),
        "fallen_due": sum(1 for q in questions if has_fallen_due(q)),
        "overdue": sum(1 for q in questions if is_overdue(q)),
        "rejected": sum(1 for q in questions if q.status == "rejected"),
        "rejected_by_reason": reasons_of(questions),
        "ratings": ratings,
        "average_rating": average,
    }


def has_fallen_due(question: Question) -> bool:
    """Owed in writing and answered, or late: the base of the on-time rate."""
    return question.answer_due_at is not None and (
        question.status == "answered" or is_overdue(question)
    )


def figures(row: object) -> dict[str, object]:
    found = asdict(row)  # type: ignore[call-overload]
    found.pop("label")
    return found


def test_the_dialogue_rows_recount_from_the_raw_rows(world: World) -> None:
    report = report_of(world)
    events = held(world)
    assert {e.slug for e in events} == {world.events[k].slug for k in ("land", "family", "land2")}
    assert figures(report.total) == recount_row(events)
    for agency, row in zip((world.province, world.department), report.by_agency, strict=True):
        assert row.label == agency.name
        assert figures(row) == recount_row([e for e in events if e.agency_id == agency.pk])
    fields = dict(Event.LegalField.choices)
    assert [row.label for row in report.by_field] == [str(fields["family"]), str(fields["land"])]
    for key, row in zip(("family", "land"), report.by_field, strict=True):
        assert figures(row) == recount_row([e for e in events if e.legal_field == key])


def test_unique_people_count_an_account_once_and_a_nickname_once_per_dialogue(
    world: World,
) -> None:
    total, province, department = report_of(world).total, *report_of(world).by_agency
    # Hoa (an account) asked in the province's dialogue and in the department's: one person in
    # each row, and one in the total. Chị Lan (a nickname) took part in two dialogues: two
    # people. With the voter and Anh Tuấn, five people and six participations in all.
    assert (province.participants, department.participants, total.participants) == (2, 4, 5)
    assert total.participations == 6
    assert total.participants < province.participants + department.participants
    # The peak is the largest single dialogue's, or each dialogue's summed, as labelled.
    assert (total.largest_peak, total.peaks_summed) == (40, 65)
    assert (total.online, total.hybrid, total.in_person) == (1, 1, 1)


def recount_standing(questions: list[Question], label: str) -> dict[str, object]:
    ratings, average = ratings_of(questions)
    return {
        "label": label,
        "received": len(questions),
        "published": sum(1 for q in questions if q.status in ("approved", "answered")),
        "rejected": sum(1 for q in questions if q.status == "rejected"),
        "due_in_writing": sum(1 for q in questions if q.answer_due_at is not None),
        "fallen_due": sum(1 for q in questions if has_fallen_due(q)),
        "extended": sum(1 for q in questions if q.answer_due_at and q.due_extended_at),
        "answered": sum(1 for q in questions if q.status == "answered"),
        "answered_on_time": sum(1 for q in questions if is_on_time(q)),
        "overdue": sum(1 for q in questions if is_overdue(q)),
        "rejected_by_reason": reasons_of(questions),
        "ratings": ratings,
        "average_rating": average,
    }


def standing_questions(world: World) -> list[Question]:
    ids = {e.pk for e in world.standing.values()}
    return [q for q in Question.objects.all() if q.event_id in ids and START <= q.created_at < END]


def test_the_standing_qa_is_broken_down_by_sub_agency_and_legal_field(world: World) -> None:
    report = report_of(world)
    asked_in_period = standing_questions(world)
    assert report.standing is not None
    assert asdict(report.standing) == recount_standing(asked_in_period, "")
    by_agency = [asdict(row) for row in report.standing_by_agency]
    assert by_agency == [
        recount_standing(
            [q for q in asked_in_period if q.event_id == world.standing[a.slug].pk], a.name
        )
        for a in (world.province, world.department)
    ]
    topics = sorted({q.topic for q in asked_in_period})
    assert [asdict(row) for row in report.standing_by_field] == [
        recount_standing([q for q in asked_in_period if q.topic == topic], topic)
        for topic in topics
    ]
    assert sum(row.received for row in report.standing_by_field) == report.standing.received


def test_consultation_comments_received_and_responded_to_recount(world: World) -> None:
    report = report_of(world)

    def recount(comments: list[Comment], label: str) -> dict[str, object]:
        replies = {r.comment_id: r.disposition for r in Reply.objects.all()}
        return {
            "label": label,
            "drafts": len({c.draft_id for c in comments}),
            "received": len(comments),
            "published": sum(1 for c in comments if c.status == "approved"),
            "rejected": sum(1 for c in comments if c.status == "rejected"),
            "responded": sum(1 for c in comments if c.pk in replies),
            "accepted": sum(1 for c in comments if replies.get(c.pk) == "accepted"),
            "partly_accepted": sum(1 for c in comments if replies.get(c.pk) == "partly"),
            "explained": sum(1 for c in comments if replies.get(c.pk) == "explained"),
        }

    sent = [c for c in Comment.objects.all() if START <= c.created_at < END]
    assert report.consultation is not None
    assert asdict(report.consultation) == recount(sent, "")
    assert [asdict(row) for row in report.consultation_by_agency] == [
        recount([c for c in sent if c.draft.agency_id == a.pk], a.name)
        for a in (world.province, world.department)
    ]
    assert (report.consultation.received, report.consultation.responded) == (6, 3)


def test_each_official_is_counted_from_the_raw_rows(world: World) -> None:
    report = report_of(world)
    held_ids = {e.pk for e in held(world)}
    questions = [q for q in Question.objects.all() if q.event_id in held_ids]
    questions += standing_questions(world)
    expected: dict[str, dict[str, object]] = {}
    for official in world.officials.values():
        theirs = [
            q
            for q in questions
            if q.status == "answered" and Answer.objects.get(question=q).official_id == official.pk
        ]
        ratings, average = ratings_of(theirs)
        expected[official.display_name] = {
            "label": official.display_name,
            "answered_live": sum(1 for q in theirs if q.answered_how == "live"),
            "answered_written": sum(1 for q in theirs if q.answered_how == "written"),
            "answered_on_time": sum(1 for q in theirs if is_on_time(q)),
            "overdue": sum(1 for q in questions if q.routed_to_id == official.pk and is_overdue(q)),
            "ratings": ratings,
            "average_rating": average,
        }
    nobody = sum(1 for q in questions if q.routed_to_id is None and is_overdue(q))
    rows = {row.label: asdict(row) for row in report.by_official}
    assert rows.pop(str(selectors.UNROUTED))
    assert rows == expected
    assert report.by_official[-1].overdue == nobody == 1
    # Most answers first: An answered three, Bình two, Cường two.
    assert report.by_official[0].label == "Nguyễn Văn An"


def test_the_api_the_xlsx_and_the_csv_carry_the_new_indicators(world: World) -> None:
    report = report_of(world)
    client = staff_client(world.organiser)
    with time_machine.travel(NOW, tick=True):
        data = client.get(
            reverse("api:agency_report", args=[world.province.slug]),
            {"start": "2026-01-01", "end": "2026-12-31"},
        ).json()
        xlsx = client.get(reverse("reports:agency_xlsx", args=[world.province.slug]), PERIOD)
        csv_response = client.get(reverse("reports:agency_csv", args=[world.province.slug]), PERIOD)

    total = data["total"]
    for name in ("participants", "participations", "largest_peak", "peaks_summed", "overdue"):
        assert total[name] == getattr(report.total, name), name
    assert (total["online"], total["hybrid"], total["in_person"]) == (1, 1, 1)
    assert {r["label"]: r["count"] for r in total["rejected_by_reason"]} == (
        report.total.rejected_by_reason
    )
    assert [r["label"] for r in data["standing_by_agency"]] == [
        world.province.name,
        world.department.name,
    ]
    assert [r["label"] for r in data["standing_by_field"]] == ["Dân sự", "Đất đai"]
    assert data["consultation"]["responded"] == 3
    assert data["by_official"][0]["official"] == "Nguyễn Văn An"
    schema = Client().get(reverse("api:openapi-json")).json()["components"]["schemas"]
    assert "summed across the dialogues" in str(schema["AgencyRowOut"])

    book = load_workbook(io.BytesIO(xlsx.content))
    assert {
        "Theo đơn vị",
        "Theo lĩnh vực",
        "Không chọn theo đơn vị",
        "Hỏi đáp theo đơn vị",
        "Hỏi đáp theo lĩnh vực",
        "Góp ý dự thảo",
        "Theo cán bộ trả lời",
        "Ghi chú",
    } <= set(book.sheetnames)
    header, *rows = book["Theo đơn vị"].iter_rows(values_only=True)
    assert [row[0] for row in rows] == [
        f"1. {world.province.name}",
        f"2. {world.department.name}",
        "Tổng cộng",
    ]
    column = header.index("Số người tham gia (không trùng lặp)")
    assert [row[column] for row in rows] == [2, 4, 5]
    assert header[header.index(f"Số lượt người tham gia ({exports.SUMMED})")]
    standing = list(book["Hỏi đáp theo đơn vị"].iter_rows(values_only=True))
    assert standing[-1][0] == "Tổng cộng"
    assert standing[-1][1] == report.standing.received  # type: ignore[union-attr]

    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert (
        'filename="bao-cao-ubnd-tinh-bac-ninh-20260101-20261231.csv"'
        in (csv_response["Content-Disposition"])
    )
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    titles = [lines[i + 1][0] for i, line in enumerate(lines[:-1]) if line == []]
    assert ["Theo đơn vị", *titles] == [table.title for table in exports.agency_tables(report)]
    block = lines[lines.index(["Góp ý dự thảo"]) :]
    assert block[1][0] == "Đơn vị"
    totals = [row for row in block if row and row[0] == "Tổng cộng"]
    assert totals[0][2] == "6"  # comments received


def test_the_page_states_the_new_indicators(world: World) -> None:
    client = staff_client(world.organiser)
    with time_machine.travel(NOW, tick=True):
        page = client.get(
            reverse("reports:agency", args=[world.province.slug]), PERIOD
        ).content.decode()
    assert '<span data-figure="online">1</span>' in page
    assert '<td data-figure="participants">5</td>' in page
    assert '<td data-figure="largest-peak">40</td>' in page
    assert '<span data-figure="comments-received">6</span>' in page
    assert 'data-table="officials"' in page
    assert 'data-table="standing-by-field"' in page
    assert 'data-table="rejected-by-agency"' in page
    assert reverse("reports:agency_csv", args=[world.province.slug]) in page


def test_a_report_issued_before_the_new_indicators_reads_them_as_not_counted(
    world: World,
) -> None:
    from reports.issued import from_figures, to_figures

    figures = to_figures(report_of(world))
    # As version 1 stored them: participants and peaks summed, nothing else of the new.
    old = {key: figures[key] for key in ("agency", "start", "end", "rejected_by_reason")}
    old |= {"legal_documents": [], "satisfaction": None, "standing": None, "version": 1}
    new_names = {
        "online",
        "hybrid",
        "in_person",
        "participations",
        "largest_peak",
        "peaks_summed",
        "overdue",
        "rejected_by_reason",
        "ratings",
        "average_rating",
    }

    def version_one(row: dict[str, object]) -> dict[str, object]:
        kept = {k: v for k, v in row.items() if k not in new_names}
        kept["participants"], kept["peak_concurrent"] = 12, 65
        return kept

    old["total"] = version_one(figures["total"])
    old["by_agency"] = [version_one(row) for row in figures["by_agency"]]
    old["by_field"] = []
    report = from_figures(old)
    assert (report.total.participations, report.total.peaks_summed) == (12, 65)
    assert (report.total.participants, report.total.largest_peak) == (None, None)
    assert report.total.online is None
    assert report.total.rejected_by_reason == {}
    assert report.by_official == []
    assert report.consultation is None
    assert report.total.received == figures["total"]["received"]
