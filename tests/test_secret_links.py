"""Secret links (events/secret_paths.py): one list, never in a log, never in a Referer.

The asker's private link was masked neither in the application's log nor in nginx's, and its page
sent `Referrer-Policy: same-origin`, so the token travelled in `Referer` too; it never expired.
Now one list of secret paths feeds the log's mask, nginx's maps (checked here) and the service
worker; pages whose address is a secret send no referrer, and their forms still pass the CSRF
check; a private link is renewed from its page, which ends the old one, and it expires with the
dialogue's personal data.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import logs
from dialogue import selectors
from dialogue.models import Participant, Question
from events import secret_paths
from events.models import Event
from tests.conftest import REQUIRE_SERVERS
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NGINX_PORT = 8811


def secret_urls(event: Event, participant: Participant) -> list[str]:
    token = selectors.follow_token(participant)
    return [
        reverse("dialogue:mine", args=[event.slug, token]),
        reverse("dialogue:renew_link", args=[event.slug, token]),
        reverse("erasure:erase", args=[event.slug, token]),
        reverse("stage:screen", args=[event.stage_token]),
        f"/ws/stage/{event.stage_token}/",
        reverse("events:invitation", args=["inv1tati0n-T0ken"]),
        reverse("account_confirm_email", args=["MQ:1t2:abc"]),
        reverse("account_reset_password_from_key", args=["1", "set-password"]),
    ]


# --- One list -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_secret_link_of_the_site_is_on_the_one_list_and_nothing_else_is(event):
    participant = ParticipantFactory(event=event)
    for url in secret_urls(event, participant):
        assert secret_paths.carries_secret(url), url
        assert "***" in logs.mask_secrets(f"GET {url} 200"), url
    for url in (
        event.get_absolute_url(),
        reverse("dialogue:archive", args=[event.slug]),
        reverse("moderation:renew_stage_link", args=[event.slug]),
        reverse("dialogue:catalogue"),
        "/?q=dat+nong+nghiep",
    ):
        assert not secret_paths.carries_secret(url), url
    assert logs.SECRET_PATH is secret_paths.SECRET_PATH


def test_nginx_s_maps_are_the_list_s():
    conf = (ROOT / "deploy" / "nginx" / "logging.conf").read_text()
    maps = re.findall(r'^\s*"(~\^\(\?<doithoai_r?head>[^"]+)"', conf, flags=re.MULTILINE)
    assert maps == [
        secret_paths.nginx_map_regex("doithoai_head", "doithoai_tail"),
        secret_paths.nginx_map_regex("doithoai_rhead", "doithoai_rtail"),
    ]


def nginx_mask(uri: str, conf: str) -> str:
    """What nginx's first map writes for `uri`: its regex, read by Python (named groups)."""
    regex = re.search(r'"~(\^\(\?<doithoai_head>[^"]+)"', conf)[1]  # type: ignore[index]
    found = re.match(regex.replace("(?<", "(?P<"), uri)
    return f"{found['doithoai_head']}***{found['doithoai_tail']}" if found else uri


@pytest.mark.django_db
def test_nginx_s_map_masks_each_secret_link_as_the_application_does(event):
    conf = (ROOT / "deploy" / "nginx" / "logging.conf").read_text()
    participant = ParticipantFactory(event=event)
    token = selectors.follow_token(participant)
    for url in secret_urls(event, participant):
        masked = nginx_mask(url, conf)
        assert masked == logs.mask_secrets(url), url
        assert token not in masked
        assert event.stage_token not in masked


@pytest.mark.django_db
def test_the_service_worker_never_keeps_a_page_of_the_list(client, event):
    participant = ParticipantFactory(event=event)
    script = client.get(reverse("dialogue:service_worker")).content.decode()
    line = re.search(r"^const SECRET = (.*)\.map\(", script, flags=re.MULTILINE)
    sources = json.loads(line[1])  # type: ignore[index]
    assert sources == secret_paths.service_worker_patterns()
    for url in secret_urls(event, participant):
        if not url.startswith("/ws/"):
            assert any(re.search(source, url) for source in sources), url
    assert not any(re.search(source, event.get_absolute_url()) for source in sources)


# --- No Referer, and forms that still work ----------------------------------------------------


@pytest.mark.django_db
def test_pages_whose_address_is_a_secret_send_no_referrer(client, event):
    participant = ParticipantFactory(event=event)
    token = selectors.follow_token(participant)
    mine = client.get(reverse("dialogue:mine", args=[event.slug, token]))
    assert mine.status_code == 200
    assert mine["Referrer-Policy"] == "no-referrer"
    stage = client.get(reverse("stage:screen", args=[event.stage_token]))
    assert stage["Referrer-Policy"] == "no-referrer"
    invitation = client.get(reverse("events:invitation", args=["no-such-invitation"]))
    assert invitation["Referrer-Policy"] == "no-referrer"
    forged = client.get(reverse("dialogue:mine", args=[event.slug, "1.1:forged"]))
    assert (forged.status_code, forged["Referrer-Policy"]) == (404, "no-referrer")
    assert client.get(event.get_absolute_url())["Referrer-Policy"] == "same-origin"


def posted_from_a_secret_page(client: Client, page: str) -> dict[str, str]:
    """The CSRF token of the page's forms; the browser's `Origin: null` for a no-referrer page."""
    response = client.get(page)
    assert response.status_code == 200
    return {"csrfmiddlewaretoken": response.context["csrf_token"], "HTTP_ORIGIN": "null"}


@pytest.mark.django_db
def test_the_renew_and_erase_forms_pass_the_csrf_check_with_the_origin_null(event):
    participant = ParticipantFactory(event=event)
    QuestionFactory(event=event, author=participant, text="Câu hỏi riêng")
    browser = Client(enforce_csrf_checks=True)
    old = reverse("dialogue:mine", args=[event.slug, selectors.follow_token(participant)])
    form = posted_from_a_secret_page(browser, old)
    origin = form.pop("HTTP_ORIGIN")
    renewed = browser.post(old + "renew/", form, HTTP_ORIGIN=origin)
    assert renewed.status_code == 302
    new = renewed.headers["Location"]
    assert new != old
    assert secret_paths.carries_secret(new)
    assert renewed["Referrer-Policy"] == "no-referrer"
    assert browser.get(old).status_code == 404
    assert browser.get(new).status_code == 200

    # The language switch of the same page carries its `next` in its address, and works.
    form = posted_from_a_secret_page(browser, new)
    switch = browser.post(
        reverse("set_language") + "?next=" + urllib.parse.quote(new),
        {"language": "en", "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]},
        HTTP_ORIGIN="null",
    )
    assert (switch.status_code, switch.headers["Location"]) == (302, new)
    # Without a secret in its address, `Origin: null` is refused as ever; so is a wrong token.
    refused = browser.post(
        reverse("set_language"),
        {"language": "vi", "next": "/", "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]},
        HTTP_ORIGIN="null",
    )
    assert refused.status_code == 403
    wrong = browser.post(new + "erase/", {"confirm": "yes"}, HTTP_ORIGIN="null")
    assert wrong.status_code == 403
    assert Participant.objects.present().filter(pk=participant.pk).exists()

    erased = browser.post(
        new + "erase/",
        {"confirm": "yes", "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]},
        HTTP_ORIGIN="null",
    )
    assert erased.status_code == 302
    assert not Participant.objects.present().filter(pk=participant.pk).exists()
    assert not Question.objects.present().filter(author=participant).exists()


# --- Renewed, and expired ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_made_before_links_could_be_renewed_works_until_the_first_renewal(event):
    from django.core import signing

    participant = ParticipantFactory(event=event)
    legacy = signing.Signer(salt=selectors.FOLLOW_SALT).sign(str(participant.pk))
    assert selectors.participant_by_follow_token(event=event, token=legacy) == participant
    Participant.objects.filter(pk=participant.pk).update(link_version=2)
    assert selectors.participant_by_follow_token(event=event, token=legacy) is None


@pytest.mark.django_db
def test_a_private_link_expires_with_the_retention_period(client, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 5
    now = timezone.now()
    for days_ago, status in ((4, 200), (6, 404)):
        event = EventFactory(
            status=Event.Status.ENDED,
            starts_at=now - timedelta(days=days_ago, hours=2),
            ends_at=now - timedelta(days=days_ago),
        )
        participant = ParticipantFactory(event=event)
        url = reverse("dialogue:mine", args=[event.slug, selectors.follow_token(participant)])
        response = client.get(url)
        assert response.status_code == status, days_ago
        if status == 200:
            assert "Thay đường dẫn này" in response.content.decode()


# --- Both logs after a scripted visit ---------------------------------------------------------


@pytest.fixture
def app_log() -> Iterator[io.StringIO]:
    """Every line the application logs, formatted as in production (JSON, masked)."""
    config = logs.logging_settings(log_format="json", level="INFO")["formatters"]["structured"]
    options = dict(config)
    formatter = options.pop("()")(**options)
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("", "django.server")}
    root.setLevel(logging.INFO)
    logging.getLogger("django.server").setLevel(logging.INFO)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def secrets_of(tokens: list[str]) -> list[str]:
    """Each token and its signature alone, which must appear nowhere."""
    return [part for token in tokens for part in (token, token.rsplit(":", 1)[1])]


def visit(opener: Any, base: str, event: Event, participant: Participant) -> list[str]:
    """A person's visit of their private page: read it, follow a link, sign in, press its erase
    button without ticking the box, renew the link, and erase their data from the new one. The
    tokens of both links."""
    token = selectors.follow_token(participant)
    mine = f"{base}{reverse('dialogue:mine', args=[event.slug, token])}"

    def get(url: str, referer: str = "") -> str:
        headers = {"Referer": referer} if referer else {}
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404, status  # only the mistyped link is not found
        return ""

    def post(url: str, csrf: str, **fields: str) -> str:
        """A form of the private page, sent as a browser sends it from a no-referrer page."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields}).encode()
        request = urllib.request.Request(url, data=body, headers={"Origin": "null"})
        with opener.open(request, timeout=10) as response:  # and the page it redirects to
            assert response.status == 200
            return str(response.url)

    page = get(mine)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]  # type: ignore[index]
    # A browser that still sent the Referer (an older one, or an extension), and the sign-in link.
    get(f"{base}{event.get_absolute_url()}", referer=mine)
    get(f"{base}{reverse('account_login')}?next={urllib.parse.quote(mine[len(base) :])}")
    get(f"{base}/e/{event.slug}/mine/{token}x/")  # a mistyped link: 404, logged too
    # The erase button without the box ticked: back to the private page, nothing erased.
    assert post(f"{mine}erase/", csrf) == mine
    renewed = post(f"{mine}renew/", csrf)
    assert "/mine/" in renewed
    assert token not in renewed
    participant.refresh_from_db()
    new = selectors.follow_token(participant)
    assert renewed == f"{base}{reverse('dialogue:mine', args=[event.slug, new])}"
    post(f"{renewed}erase/", csrf, confirm="yes")
    assert not Participant.objects.present().filter(pk=participant.pk).exists()
    return [token, new]


# The requests of a visit, each redirect followed: four pages, then three forms that redirect.
REQUESTS_OF_A_VISIT = 4 + 3 * 2


def test_no_private_token_in_the_application_s_log_after_a_visit(app_log, live_server):
    event = EventFactory()
    participant = ParticipantFactory(event=event)
    QuestionFactory(event=event, author=participant)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    tokens = visit(opener, live_server.url, event, participant)
    text = app_log.getvalue()
    assert "/mine/***/" in text
    assert '"view": "erasure:erase"' in text
    for secret in secrets_of(tokens):
        assert secret not in text


NGINX_CONFIG = """
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include {root}/deploy/nginx/logging.conf;
    access_log {state}/access.log doithoai;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


@pytest.fixture
def nginx_in_front(tmp_path: Path, live_server: Any) -> Iterator[Path]:
    """nginx with the site's log format, in front of the test server; its access log."""
    if NGINX is None:
        if REQUIRE_SERVERS:
            pytest.fail("nginx is not installed")
        pytest.skip("nginx is not installed")
    (tmp_path / "nginx.conf").write_text(
        NGINX_CONFIG.format(state=tmp_path, root=ROOT, port=NGINX_PORT, upstream=live_server.url)
    )
    command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    with subprocess.Popen(command, stderr=subprocess.PIPE) as process:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{NGINX_PORT}/healthz", timeout=2)
                    break
                except OSError:
                    assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            yield tmp_path / "access.log"
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_no_private_token_in_either_log_after_a_visit_through_nginx(app_log, nginx_in_front):
    event = EventFactory()
    participant = ParticipantFactory(event=event)
    QuestionFactory(event=event, author=participant)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    tokens = visit(opener, f"http://127.0.0.1:{NGINX_PORT}", event, participant)
    deadline = time.monotonic() + 30
    # nginx writes a request's line once it is done: the probe's and the visit's.
    while len(nginx_in_front.read_text().splitlines()) < 1 + REQUESTS_OF_A_VISIT:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    access = nginx_in_front.read_text()
    records = [json.loads(line) for line in access.splitlines()]
    assert len(records) == 1 + REQUESTS_OF_A_VISIT
    assert any(r["uri"].endswith("/mine/***/") for r in records)
    erased = [r for r in records if r["uri"].endswith("/mine/***/erase/")]
    assert [r["method"] for r in erased] == ["POST", "POST"]
    assert any("/mine/***" in r["referer"] for r in records)
    application = app_log.getvalue()
    assert '"view": "erasure:erase"' in application
    for secret in secrets_of(tokens):
        assert secret not in access
        assert secret not in application
