"""A realistic Vietnamese scene for the page-level browser tests and the screenshots.

`seed_demo` makes the agencies, dialogues, accounts, questions and votes; on top of it the
moderation services put the live dialogue mid-answer (routed questions, one on stage with a
note, one queued next) and the ended dialogue gets published answers and written answers due.
The agency's standing legal Q&A has an answer that cites a clause of the law and a question
waiting for one; a second live dialogue has themes (made as the task worker makes them, into
the cache the server shares: CACHE_URL).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from config.demo import load as demo_data
from consultation.models import Draft
from dialogue import services as dialogue_services
from dialogue.models import Answer, Participant, Question
from dialogue.selectors import follow_token
from events.models import Agency, Event, EventRole, User
from events.services import open_standing_qa
from law.models import Article
from moderation import services, tasks
from tests.e2e.browser import in_thread
from tests.factories import enable_totp

LIVE_SLUG = "doi-thoai-luat-dat-dai-2024"
ENDED_SLUG = "doi-thoai-xu-ly-vi-pham-giao-thong"
# Scheduled, nothing on stage yet: its stage screen shows the join slide.
UPCOMING_SLUG = "doi-thoai-luat-hon-nhan-va-gia-dinh"

# The stage screens are taken at the projectors' sizes rather than a phone's and a desktop's.
PROJECTORS = {
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "1280x720": {"viewport": {"width": 1280, "height": 720}},
}

WRITTEN_ANSWERS = (
    "Theo Nghị định 168/2024/NĐ-CP, người điều khiển xe mô tô, xe gắn máy không chấp hành hiệu "
    "lệnh của đèn tín hiệu giao thông bị phạt tiền từ 4.000.000 đồng đến 6.000.000 đồng và bị "
    "trừ 4 điểm giấy phép lái xe.",
    "Trường hợp xe đã bán nhưng chưa làm thủ tục sang tên, cơ quan công an gửi thông báo đến chủ "
    "xe đứng tên trong đăng ký. Ông cần phối hợp xác định người trực tiếp điều khiển phương tiện "
    "khi vi phạm; người vi phạm là người nộp phạt.",
    "Người vi phạm nộp phạt trên Cổng Dịch vụ công quốc gia; sau khi nộp, giấy tờ bị tạm giữ "
    "được gửi trả qua dịch vụ bưu chính công ích nếu có yêu cầu, không cần lên trụ sở.",
)


@dataclass
class Scene:
    live: Event
    ended: Event
    upcoming: Event
    agency: Agency
    moderator: User
    official: User
    organiser: User
    citizen: User
    draft: Draft
    asker_path: str  # a nickname asker's private page, with answered and unanswered questions
    polled: Event  # a live dialogue whose poll's results are on the stage
    clouded: Event  # a live dialogue whose short-text poll is on the stage, as a word cloud
    ranked: Event  # a live dialogue whose ranking poll is open, answered and on the stage
    quizzed: Event  # a live dialogue whose quiz is closed, revealed and on the stage
    admin: User  # the site's administrator, who runs the national roll-up
    standing: Event  # the agency's standing legal Q&A: one answer citing the law, one waiting
    themed: Event  # a live dialogue whose questions the console groups into themes


def build_scene() -> Scene:
    """Seed the demo and move it to the moment worth looking at: mid-dialogue, and after one."""
    return in_thread(_build)


def _build() -> Scene:
    call_command("seed_demo", stdout=io.StringIO())
    live = Event.objects.get(slug=LIVE_SLUG)
    ended = Event.objects.get(slug=ENDED_SLUG)
    accounts = {user.email.split("@")[0]: user for user in User.objects.all()}
    moderator, official, organiser = (accounts[k] for k in ("bientap", "canbo", "tochuc"))
    for person in (moderator, official, organiser):
        enable_totp(person)

    # The live dialogue: the most popular questions are routed to the official; the first is
    # being answered on stage with the article of the law, the second is queued next.
    popular = list(
        Question.objects.filter(event=live, status=Question.Status.APPROVED).order_by(
            "-vote_count", "pk"
        )[:4]
    )
    for question in popular:
        services.route_question(
            actor=moderator,
            event=live,
            question_id=question.pk,
            version=None,
            official_id=official.pk,
        )
    services.start_answering(actor=official, event=live, question_id=popular[0].pk)
    services.save_live_note(
        actor=official,
        event=live,
        question_id=popular[0].pk,
        note="Điều 138 Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP",
    )
    services.set_stage(
        actor=moderator, event=live, question_id=popular[1].pk, version=None, stage="next"
    )

    # The ended dialogue: answers published (live and written), and questions left to answer
    # in writing, one of them overdue.
    now = timezone.now()
    answered = Question.objects.filter(event=ended, status=Question.Status.ANSWERED).order_by(
        "created_at"
    )
    for index, question in enumerate(answered):
        written = index < len(WRITTEN_ANSWERS)
        # The demo answered them live on stage; some become written answers for the pictures.
        Answer.objects.update_or_create(
            question=question,
            defaults={
                "official": official,
                "kind": Answer.Kind.WRITTEN if written else Answer.Kind.LIVE,
                "body": WRITTEN_ANSWERS[index] if written else "",
                "live_note": "" if written else "Điều 7 Nghị định 168/2024/NĐ-CP",
                "recording_offset": None if written else 600 + index * 420,
                "published_at": ended.ends_at + timedelta(days=1 if written else 0),
            },
        )
        Question.objects.filter(pk=question.pk).update(
            answered_at=ended.starts_at + timedelta(minutes=10 * index),
            answered_how=Question.AnsweredHow.WRITTEN if written else Question.AnsweredHow.LIVE,
        )
    Event.objects.filter(pk=ended.pk).update(
        recording_url="https://video.example.org/doi-thoai-giao-thong.mp4"
    )
    left = Question.objects.filter(event=ended, status=Question.Status.APPROVED).order_by("pk")
    for index, question in enumerate(left):
        Question.objects.filter(pk=question.pk).update(
            routed_to=official, answer_due_at=now + timedelta(days=index * 5 - 2)
        )
    ended.legal_documents.create(
        title="Nghị định quy định xử phạt vi phạm hành chính về trật tự, an toàn giao thông",
        number="168/2024/NĐ-CP",
        url="https://vbpl.example.org/168-2024-nd-cp",
    )
    live.refresh_from_db()
    ended.refresh_from_db()
    return Scene(
        live=live,
        ended=ended,
        upcoming=Event.objects.get(slug=UPCOMING_SLUG),
        agency=live.agency,
        moderator=moderator,
        official=official,
        organiser=organiser,
        citizen=accounts["congdan"],
        draft=Draft.objects.get(event=live),
        asker_path=_asker_path(ended),
        polled=_polled(live, moderator),
        clouded=_clouded(live, moderator),
        ranked=_ranked(live, moderator),
        quizzed=_quizzed(live, moderator),
        admin=_rollup(accounts["admin"], organiser),
        standing=_standing(live.agency, organiser, official),
        themed=_themed(live, moderator),
    )


# The standing Q&A's questions: the first is answered citing clause 1 of article 650 of the
# Civil Code; the second waits for the official, who looks for the law that answers it.
STANDING_QUESTIONS = (
    "Bố tôi mất năm 2023, không để lại di chúc. Nhà đất đứng tên bố thì ai được hưởng?",
    "Mẹ tôi lập di chúc để lại toàn bộ nhà cho anh trai; tôi là con gái có được hưởng phần nào "
    "không?",
)
STANDING_ANSWER = (
    "Khi người chết không để lại di chúc, di sản được chia theo pháp luật (khoản 1 Điều 650 Bộ "
    "luật Dân sự 2015): những người thừa kế cùng hàng được hưởng phần di sản bằng nhau. Vợ, con "
    "và cha mẹ của bố anh/chị là hàng thừa kế thứ nhất."
)


def _standing(agency: Agency, organiser: User, official: User) -> Event:
    standing = open_standing_qa(actor=organiser, agency=agency, answer_days=10)
    EventRole.objects.get_or_create(event=standing, user=official, role=EventRole.Role.OFFICIAL)
    askers = ("Anh Tuấn – Từ Sơn", "Chị Hoa – Quế Võ")
    questions = [
        Question.objects.create(
            event=standing,
            author=Participant.objects.create(event=standing, nickname=nickname),
            text=text,
            status=Question.Status.APPROVED,
            routed_to=official,
        )
        for nickname, text in zip(askers, STANDING_QUESTIONS, strict=True)
    ]
    first = questions[0].pk
    article = Article.objects.get(document__slug="bo-luat-dan-su-2015", number="650")
    services.write_answer(actor=official, event=standing, question_id=first, body=STANDING_ANSWER)
    services.cite_law(
        actor=official,
        event=standing,
        question_id=first,
        article=article,
        clause=article.clauses.get(number="1"),
    )
    services.write_answer(
        actor=official, event=standing, question_id=first, body=STANDING_ANSWER, publish=True
    )
    return standing


# A live dialogue's room: two matters, each asked in several ways.
THEMED_QUESTIONS = (
    "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?",
    "Vợ đang mang thai thì chồng có được yêu cầu ly hôn không?",
    "Cha mất không có di chúc, con riêng có được hưởng di sản thừa kế không?",
    "Chồng có quyền ly hôn khi vợ đang mang thai không ạ?",
    "Ông mất không để lại di chúc thì di sản chia thế nào?",
    "Vợ chồng thuận tình ly hôn thì con dưới 36 tháng tuổi ở với ai?",
)


def _live_dialogue(
    live: Event, moderator: User, slug: str, title: str, *, started_minutes_ago: int
) -> Event:
    """Another live dialogue of the live one's agency, two hours long, with its moderator."""
    starts_at = timezone.now() - timedelta(minutes=started_minutes_ago)
    event = Event.objects.create(
        agency=live.agency,
        slug=slug,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        status=Event.Status.LIVE,
    )
    EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
    return event


def _themed(live: Event, moderator: User) -> Event:
    """A live dialogue on inheritance and the family, its room grouped into themes."""
    event = _live_dialogue(
        live,
        moderator,
        "doi-thoai-thua-ke-va-hon-nhan",
        "Đối thoại về thừa kế và hôn nhân, gia đình",
        started_minutes_ago=20,
    )
    for number, text in enumerate(THEMED_QUESTIONS):
        Question.objects.create(
            event=event,
            author=Participant.objects.create(event=event, nickname=f"Người hỏi {number + 1}"),
            text=text,
            status=Question.Status.APPROVED,
        )
    tasks.refresh_themes.call(event.pk)  # as the task worker does after each question
    return event


POLL_CHOICES = ("Cổng thông tin điện tử tỉnh", "Zalo của UBND xã", "Loa phát thanh", "Người thân")
# Which choice each of the hall's 23 people answered.
POLL_PICKS = (1, 0, 1, 1, 2, 0, 1, 3, 1, 0, 2, 1, 1, 0, 1, 3, 2, 1, 0, 1, 1, 2, 1)


@dataclass(frozen=True)
class PollScene:
    """A live dialogue of the live one's agency whose poll the hall answered, on its stage."""

    slug: str
    title: str
    started_minutes_ago: int
    question: str
    kind: str
    options: tuple[str, ...] = ()
    reveal: bool = False  # a quiz: closed, then its right answer revealed


def _poll_on_stage(
    live: Event, moderator: User, scene: PollScene, answers: list[tuple[str, dict[str, Any]]]
) -> Event:
    """The dialogue of `scene`, its poll opened and answered by each (nickname, answer), shown
    on its stage; an answer's `option_ids` are indexes into the poll's options."""
    event = _live_dialogue(
        live, moderator, scene.slug, scene.title, started_minutes_ago=scene.started_minutes_ago
    )
    poll = services.create_poll(
        actor=moderator,
        event=event,
        question=scene.question,
        kind=scene.kind,
        options=scene.options,
    )
    services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
    options = list(poll.options.order_by("pk").values_list("pk", flat=True))
    for nickname, answer in answers:
        person = Participant.objects.create(event=event, nickname=nickname, joined_while_open=True)
        picks = [options[index] for index in answer.get("option_ids", [])]
        dialogue_services.answer_poll(
            participant=person, poll_id=poll.pk, **{**answer, "option_ids": picks}
        )
    if scene.reveal:
        services.close_poll(actor=moderator, event=event, poll_id=poll.pk)
        services.reveal_quiz(actor=moderator, event=event, poll_id=poll.pk)
    services.show_poll_on_stage(actor=moderator, event=event, poll_id=poll.pk, shown=True)
    return event


def _polled(live: Event, moderator: User) -> Event:
    """A single-choice poll answered by the hall's 23 people."""
    scene = PollScene(
        "doi-thoai-tham-do-y-kien",
        "Đối thoại về chính sách hỗ trợ người sử dụng đất khi Nhà nước thu hồi đất",
        40,
        "Anh/chị biết đến buổi đối thoại hôm nay qua kênh nào?",
        "single",
        POLL_CHOICES,
    )
    answers = [(f"Người dự {n + 1}", {"option_ids": [pick]}) for n, pick in enumerate(POLL_PICKS)]
    return _poll_on_stage(live, moderator, scene, answers)


# What the hall answered to "one word for today's dialogue", as typed.
CLOUD_ANSWERS = (
    ("Hữu ích", 14),
    ("Minh bạch", 9),
    ("Dễ hiểu", 7),
    ("Cần thêm thời gian", 5),
    ("Thiết thực", 5),
    ("Lắng nghe", 4),
    ("Bồi thường", 3),
    ("Tái định cư", 3),
    ("Nhanh gọn", 2),
    ("Cởi mở", 2),
    ("Tin tưởng", 1),
    ("Chưa rõ", 1),
    ("Thủ tục", 1),
)


def _clouded(live: Event, moderator: User) -> Event:
    """A short-text poll, drawn on its stage as a word cloud."""
    scene = PollScene(
        "doi-thoai-mot-tu",
        "Đối thoại về bồi thường, hỗ trợ, tái định cư khi Nhà nước thu hồi đất",
        70,
        "Một từ về buổi đối thoại hôm nay?",
        "text",
    )
    texts = [text for text, count in CLOUD_ANSWERS for _ in range(count)]
    answers = [(f"Người dự {n + 1}", {"text": text}) for n, text in enumerate(texts)]
    return _poll_on_stage(live, moderator, scene, answers)


# The hall's rankings of four legal fields, most preferred first (indexes into RANKED_FIELDS).
RANKED_FIELDS = ("Đất đai", "Hộ tịch", "Thừa kế", "Hôn nhân và gia đình")
RANKINGS = ((0, 2, 1, 3), (0, 1, 2, 3), (2, 0, 3, 1), (0, 3, 2, 1), (1, 0, 2, 3), (0, 2, 3, 1))


def _ranked(live: Event, moderator: User) -> Event:
    """A ranking poll, open, scored in points on its stage."""
    scene = PollScene(
        "doi-thoai-xep-hang-linh-vuc",
        "Đối thoại về những lĩnh vực pháp luật người dân cần được phổ biến nhất",
        25,
        "Xếp các lĩnh vực theo mức anh/chị cần được phổ biến",
        "ranking",
        RANKED_FIELDS,
    )
    answers = [
        (f"Người dự {n + 1}", {"option_ids": list(order)}) for n, order in enumerate(RANKINGS)
    ]
    return _poll_on_stage(live, moderator, scene, answers)


# The hall's answers to the quiz: (nickname, index of the option chosen, named if right).
QUIZ_OPTIONS = ("01/01/2025", "*01/08/2024", "01/07/2024")
QUIZ_ANSWERS = (
    ("Chị Hằng", 1, True),
    ("Anh Tuấn", 0, True),
    ("Bác Mười", 1, True),
    ("Cô Thảo", 1, False),
    ("Anh Dũng", 2, True),
    ("Chị Mai", 1, True),
    ("Ông Sáu", 0, False),
    ("Em Vy", 1, True),
)


def _quizzed(live: Event, moderator: User) -> Event:
    """A quiz, closed and revealed on its stage."""
    scene = PollScene(
        "doi-thoai-do-vui-phap-luat",
        "Đối thoại và đố vui về Luật Đất đai năm 2024",
        55,
        "Luật Đất đai năm 2024 có hiệu lực thi hành từ ngày nào?",
        "quiz",
        QUIZ_OPTIONS,
        reveal=True,
    )
    answers = [
        (nickname, {"option_ids": [pick], "on_leaderboard": named})
        for nickname, pick, named in QUIZ_ANSWERS
    ]
    return _poll_on_stage(live, moderator, scene, answers)


def _asker_path(event: Event) -> str:
    """The private page of the nickname asker of `event` with the most questions."""
    asker = (
        Participant.objects.filter(event=event, user__isnull=True)
        .annotate(asked=Count("questions"))
        .order_by("-asked", "pk")
        .first()
    )
    assert asker is not None, "the demo has no nickname asker"
    return reverse("dialogue:mine", args=[event.slug, follow_token(asker)])


@dataclass(frozen=True)
class PageType:
    """One kind of page: its name (also the screenshot's), address, and who looks at it."""

    name: str
    path: str
    who: str = ""  # "", or a Scene attribute naming the signed-in account
    joined: bool = False  # a citizen who has joined the live dialogue with a nickname
    projector: bool = False  # a stage screen: taken at the PROJECTORS' sizes
    ready: str = ""  # a selector visible once the page shows what it is taken for
    click: str = ""  # a button pressed first (e.g. to open a picker)
    asked: bool = False  # a citizen who has just asked, from the page at `path`: their receipt
    # Words of the first clause with a published comment selected, and the proposal form
    # opened from them (only the screenshots do this; every check reads the page as loaded).
    propose: bool = False


def ask_as_a_citizen(page: Any, path: str) -> None:
    """From a standing Q&A's page, join with a nickname and ask: the receipt is shown."""
    page.goto(path)
    page.get_by_label("Biệt danh của bạn").fill("Chị Hằng – Thuận Thành")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Tham gia").click()
    page.get_by_label("Lĩnh vực pháp luật của câu hỏi").select_option("land")
    page.locator("#ask-form textarea").fill(
        "Đất trồng cây lâu năm có được chuyển sang đất ở không, thủ tục thế nào?"
    )
    page.locator("#ask-form button[type=submit]").click()
    page.locator("#tracking-code").wait_for()


def _rollup(admin: User, organiser: User) -> User:
    """The province's reports issued (2025, and 2026 with a correction), published signed and
    imported by this installation itself, as a ministry's would: the roll-up page has rows."""
    from django.test import override_settings

    from reports.models import RollupImport
    from reports.rollup import document
    from reports.rollup import services as rollup_services
    from reports.services import issue_agency_report

    enable_totp(admin)
    province = Agency.objects.get(slug="ubnd-tinh-bac-ninh")
    department = Agency.objects.get(slug="so-tu-phap-bac-ninh")
    signer = {"signer_name": "Nguyễn Văn An", "signer_title": "Giám đốc", "place": "Bắc Ninh"}
    year = timezone.localdate().year
    issue_agency_report(
        actor=organiser,
        agency=province,
        start=date(year - 1, 1, 1),
        end=date(year - 1, 12, 31),
        **signer,
    )
    this_year = {
        "start": date(year, 1, 1),
        "end": timezone.localdate(),
        **signer,
    }
    first = issue_agency_report(actor=organiser, agency=department, **this_year)
    issue_agency_report(actor=organiser, agency=department, corrects=first, **this_year)
    key = document.new_private_key()
    source = rollup_services.register_source(
        actor=admin,
        name="Tỉnh Bắc Ninh",
        public_key_text=document.public_key_text(document.private_key(key)),
    )
    with override_settings(ROLLUP_SIGNING_KEY=key, ROLLUP_PUBLISHER="Sở Tư pháp tỉnh Bắc Ninh"):
        rollup_services.import_document(
            actor=admin, source=source, raw=document.build_document(), via=RollupImport.Via.UPLOAD
        )
    return admin


def page_types(scene: Scene) -> list[PageType]:
    """Every kind of page of the site, on the scene's data."""
    live, ended = scene.live.slug, scene.ended.slug
    return [
        PageType("catalogue", "/"),
        PageType("event", f"/e/{live}/"),
        PageType("event-joined", f"/e/{live}/", joined=True),
        PageType("event-ended", f"/e/{ended}/"),
        PageType("archive", f"/e/{ended}/archive/"),
        # A citizen who took part, signed in: the archive offers to rate each answer.
        PageType("archive-rating", f"/e/{ended}/archive/", who="citizen"),
        PageType("login", "/accounts/login/"),
        PageType("signup", "/accounts/signup/"),
        PageType("privacy", "/privacy/"),
        PageType("asker", scene.asker_path),
        PageType("account", "/account/", who="citizen"),
        PageType("moderation", f"/e/{live}/moderate/", who="moderator"),
        PageType("audit-log", f"/e/{live}/moderate/log/", who="organiser"),
        PageType("official", f"/e/{live}/answer/", who="official"),
        PageType("answers-due", f"/e/{ended}/moderate/due/", who="official"),
        PageType(
            "agency-answers-due", f"/manage/{scene.agency.slug}/answers-due/", who="organiser"
        ),
        PageType("agency-staff", f"/manage/{scene.agency.slug}/", who="organiser"),
        # The Bắc Giang department merged into Bắc Ninh's on 01/07/2025, in the history.
        PageType("agency-change", f"/manage/{scene.agency.slug}/changes/", who="organiser"),
        PageType(
            "stage", f"/stage/{scene.live.stage_token}/", projector=True, ready="#stage-question"
        ),
        # A poll's results in the question's place.
        PageType(
            "stage-poll",
            f"/stage/{scene.polled.stage_token}/",
            projector=True,
            ready="#stage-poll-options li:first-child",
        ),
        # A ranking poll: put in order on a phone with taps, scored in points on the stage.
        PageType(
            "poll-ranking",
            f"/e/{scene.ranked.slug}/",
            joined=True,
            click=".rank-item:nth-child(3) [data-move=up]",  # Thừa kế up, to second place
            ready=".rank-list",
        ),
        PageType(
            "stage-ranking",
            f"/stage/{scene.ranked.stage_token}/",
            projector=True,
            ready="#stage-poll-options li:first-child",
        ),
        # A quiz revealed: its right answer marked, and the first who were right.
        PageType(
            "stage-quiz",
            f"/stage/{scene.quizzed.stage_token}/",
            projector=True,
            ready=".stage-poll-right",
        ),
        # A short-text poll's answers as a word cloud, drawn by the server.
        PageType(
            "stage-cloud",
            f"/stage/{scene.clouded.stage_token}/",
            projector=True,
            ready="#stage-poll-cloud",
        ),
        # Nothing being answered yet: the join slide, with how many follow the dialogue.
        PageType(
            "stage-join",
            f"/stage/{scene.upcoming.stage_token}/",
            projector=True,
            ready="#stage-join-slide [data-presence]",
        ),
        PageType(
            "dialogue-report", f"/reports/e/{demo_data().past_dialogues[0].slug}/", who="organiser"
        ),
        PageType(
            "agency-report",
            f"/reports/a/{scene.agency.slug}/?start=2000-01-01&end=2100-12-31",
            who="organiser",
        ),
        PageType("public-statistics", f"/a/{scene.agency.slug}/statistics/"),
        PageType(
            "rollup",
            f"/reports/rollup/?start={timezone.localdate().year - 1}-01-01"
            f"&end={timezone.localdate().year}-12-31",
            who="admin",
        ),
        # The legal desk: an article's page with the answers that cite it, the official's
        # citation picker on the question still waiting, and the themes of a live room.
        PageType(
            "law-article", "/law/bo-luat-dan-su-2015/dieu-650/", ready="#law-faq li:first-child"
        ),
        PageType(
            "citation-picker",
            f"/e/{scene.standing.slug}/answer/",
            who="official",
            click=".card:has-text('con gái') button[data-action=law]",
            ready=".law-suggestions > li:first-child",
        ),
        PageType(
            "themes",
            f"/e/{scene.themed.slug}/moderate/",
            who="moderator",
            ready="#themes-list > li:first-child",
        ),
        # The legal Q&A as a service: every agency's, the FAQ of one legal field, the look-up,
        # and the receipt of a question just asked.
        PageType("legal-qa", "/legal-qa/"),
        PageType("legal-qa-field", "/legal-qa/?field=family", ready=".faq-entry:first-child"),
        PageType("lookup", "/legal-qa/lookup/"),
        PageType("receipt", f"/e/{scene.standing.slug}/", asked=True, ready="#due-at"),
        PageType("draft", f"/consultation/{scene.draft.pk}/"),
        PageType("draft-review", f"/consultation/manage/drafts/{scene.draft.pk}/", who="moderator"),
        PageType("draft-summary", f"/consultation/{scene.draft.pk}/summary/", who="organiser"),
        PageType("draft-version", f"/consultation/{scene.draft.pk}/versions/2/"),
        PageType("draft-propose", f"/consultation/{scene.draft.pk}/", who="citizen", propose=True),
        PageType("guides", "/guide/"),
        PageType("guide-organiser", "/guide/organiser/"),
        PageType("guide-moderator", "/guide/moderator/"),
        PageType("guide-official", "/guide/official/"),
        PageType("guide-checklist", "/guide/checklist/"),
    ]


def illustration_pages(scene: Scene) -> list[PageType]:
    """Pages photographed for the organiser's guide (static/guides/); checked like every page."""
    agency, live = scene.agency.slug, scene.live.slug
    return [
        PageType("organiser-dialogues", f"/manage/{agency}/dialogues/", who="organiser"),
        PageType("organiser-dialogue", f"/manage/{agency}/dialogues/{live}/", who="organiser"),
    ]
