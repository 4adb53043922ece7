"""Text a person types never travels in a URL, and no log line carries it.

URLs are written down by nginx's access log and ours (config/logs.py), by proxies, and in the
browser's history; a request's body is written down by none of them. So every form with a
question, a comment, an answer, a nickname or an email is a POST, and so is the look-up of
similar questions while one is typed. The GET forms that remain are listed here with the reason.
"""

from __future__ import annotations

import logging
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import structlog
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from dialogue.models import Question
from events.models import Event
from moderation import services as moderation_services
from tests.factories import EventFactory, QuestionFactory, join_form
from tests.test_authorization_matrix import POLICY_ROWS, REQUESTS, ROLES, build_world

ROOT = Path(__file__).resolve().parents[1]

# What a person says or is called: never in a URL.
PERSONAL_NAMES = frozenset({"text", "question", "body", "comment", "nickname", "email"})
TEXT_TYPES = frozenset({"text", "email", "search", "tel", "url", ""})

# Every form of the templates that is not a POST, and why (template, its class or id).
GET_FORMS = {
    # Public words, looked up in what is published; a search can be linked to.
    ("dialogue/catalogue.html", "catalogue-filters"): "search box of public words",
    ("dialogue/legal_qa.html", "catalogue-filters"): "search box of public words",
    # The code is on the screen and on the invitation: public.
    ("events/_join_box.html", "join-code-form"): "a dialogue's public code",
    # Two dates.
    ("reports/agency.html", "no-print period-form"): "a period",
    ("reports/rollup.html", "period-form"): "a period",
    # Never sent: moderation.js reads them, and their text field has no name.
    ("moderation/console.html", "modes"): "read by the console's script",
    ("moderation/console.html", "queue-filter"): "read by the console's script",
    # Its method is its caller's: the pages rendered below are checked.
    ("allauth/elements/form.html", "auth-form"): "method from the caller",
}

# Files, feeds and data, not pages: no form in them.
FILES = re.compile(r"pdf|xlsx|csv|export|download|feed|atom|api|manifest|service.worker|metrics")


class Forms(HTMLParser):
    """Every `<form>` of a page: its attributes and the fields a person types in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = {"attrs": values, "typed": set()}
            self.forms.append(self._open)
        elif self._open is not None and tag == "textarea":
            self._open["typed"].add(values.get("name") or "<textarea>")
        elif (
            self._open is not None
            and tag == "input"
            and values.get("type", "").lower() in TEXT_TYPES
            and values.get("name") in PERSONAL_NAMES
        ):
            self._open["typed"].add(values["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def test_every_get_form_of_the_templates_is_listed_with_its_reason():
    found = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(), flags=re.S):
            method = re.search(r'\bmethod="([^"]*)"', tag)
            if method and method[1].lower() == "post":
                continue
            mark = re.search(r'\bid="([^"{]+)', tag) or re.search(r'\bclass="([^"{]+)', tag)
            key = (name, mark[1].strip() if mark else "")
            assert key in GET_FORMS, f"a form that is not a POST: {key} {tag}"
            found.add(key)
    assert found == set(GET_FORMS)  # none listed that is gone


def no_argument_urls() -> set[str]:
    """Every named page that takes no argument (allauth's and the admin's among them)."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    urls = set()
    for name in names:
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue
    return urls


@pytest.mark.django_db
def test_every_form_a_person_types_in_is_a_post():
    """Every page, as every role and as a nickname participant: forms with typed text POST."""
    world = build_world()
    # A dialogue whose open poll asks for a few words.
    polled = EventFactory(agency=world.event.agency, status=Event.Status.LIVE)
    organiser = world.people["organiser"]
    poll = moderation_services.create_poll(
        actor=organiser, event=polled, question="Một từ về buổi hôm nay?", kind="text"
    )
    moderation_services.open_poll(actor=organiser, event=polled, poll_id=poll.pk)
    poll_page = polled.get_absolute_url()
    pages = [poll_page] + [
        REQUESTS[(name, method)](world)[0]
        for name, method in POLICY_ROWS
        if method == "GET" and not FILES.search(name)
    ]
    pages += sorted(url for url in no_argument_urls() if not FILES.search(url))
    clients = []
    for role in ROLES:
        client = Client()
        if (person := world.people[role]) is not None:
            client.force_login(person, backend=settings.AUTHENTICATION_BACKENDS[0])
        clients.append(client)
    participant = Client()
    joined = participant.post(
        reverse("dialogue:join", args=[world.event.slug]), join_form(world.event, "Lan")
    )
    assert joined.status_code == 302
    clients.append(participant)

    checked: dict[str, set[str]] = {}
    for client in clients:
        for url in pages:
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_of(response.content.decode()):
                if not form["typed"]:
                    continue
                method = form["attrs"].get("method", "get").lower()
                assert method == "post", (url, form)
                for name in form["typed"]:
                    checked.setdefault(name, set()).add(url.split("?")[0])
    # The crawl reached the forms that matter: asking, joining, a poll's few words, commenting
    # on a draft, signing up.
    event = world.event.get_absolute_url()
    draft = reverse("consultation:draft", args=[world.draft.pk])
    assert {event, poll_page, draft} <= checked["text"], checked
    assert {event, draft} <= checked["nickname"] & checked["email"], checked
    assert reverse("account_signup") in checked["email"], checked


# In every text typed below: percent-encoded in a URL, it would read the same.
MARK = "quokka4711"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record, as stored and as the site's formatter writes it (config/logs.py)."""
    [formatter] = {
        handler.formatter
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter)
    }
    return "\n".join(
        f"{record.__dict__!r}\n{formatter.format(record)}" for record in caplog.records
    )


@pytest.mark.django_db
def test_no_log_line_carries_what_was_typed(caplog, django_capture_on_commit_callbacks):
    """A join, a look-up of similar questions and questions asked through the page without
    JavaScript, every logger at DEBUG: their words are in the database, not in the log."""
    caplog.set_level(logging.DEBUG)
    for name in settings.LOGGING["loggers"]:
        caplog.set_level(logging.DEBUG, logger=name)
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    QuestionFactory(event=event, text="Đất nông nghiệp có được tách thửa không?")
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        joined = browser.post(
            reverse("dialogue:join", args=[event.slug]),
            {**join_form(event, f"Lan {MARK}"), "email": f"lan.{MARK}@example.vn"},
        )
        assert joined.status_code == 302
        similar = browser.post(
            reverse("dialogue:similar", args=[event.slug]),
            {"q": f"dat nong nghiep co duoc tach thua khong {MARK}"},
        )
        assert similar.status_code == 200
        assert len(similar.json()["questions"]) == 1
        ask = reverse("dialogue:ask", args=[event.slug])
        text = f"Tách thửa đất nông nghiệp {MARK} cần giấy tờ gì?"
        asked = browser.post(ask, {"text": text, "client_id": str(uuid.uuid4())})
        assert asked.status_code == 302
        too_long = browser.post(ask, {"text": MARK * 200, "client_id": str(uuid.uuid4())})
        assert too_long.status_code == 400
        # The control: the catalogue's search words are in its URL, so in its access line.
        assert browser.get(reverse("dialogue:catalogue"), {"q": "kiemsoat"}).status_code == 200
    assert Question.objects.get(event=event, text=text).author.nickname == f"Lan {MARK}"
    logged = log_text(caplog)
    assert "kiemsoat" in logged, "the capture did not see the access lines"
    assert f"POST {ask}" in logged
    assert MARK not in logged
