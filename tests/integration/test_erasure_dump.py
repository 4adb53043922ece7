"""After an erasure, nothing an operator can read still holds the person: the proof from outside.

The production topology on loopback (deploy/topology.sh: two uvicorn workers behind nginx, with
nginx's access log on) over PostgreSQL and a Redis of this test's own, so that every key in it
is this dialogue's. A citizen joins with a nickname and an email, asks through the no-JS form
and over the websocket, looks for similar questions and opens their private page; a moderator
publishes both questions and marks one answered, so an email to the asker is queued (and sent
by the task worker); an operator exports the dialogue's questions and downloads each file. The
citizen then erases their data from the private link, through nginx.

Afterwards none of these holds the nickname, the email or the words of either question, in any
way they could be written (as typed, folded as the similar questions' cache keeps them,
JSON-escaped, URL-encoded, HTML-escaped, with the backslashes a dump or a JSON log line doubles):
a plain `pg_dump` of the database; every key and value in Redis; every file the workers and
nginx wrote (the app's JSON log lines, nginx's access and error logs, its temporary files);
this process's log lines (the moderator's actions, the task worker); the exports the site still
serves and a new one downloaded after the erasure; what each worker's hub remembers of the
dialogue's deltas. The files downloaded before the erasure are the operator's own copies,
outside the site as a backup is (docs/operations.md): they show that an export held the person
until then. Before the erasure the dump and Redis held them too, so each check can fail.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.core import mail

from dialogue.matching import fold
from dialogue.models import Question
from events.models import Event, EventRole, User
from moderation import services
from reports.models import ExportJob
from tests.conftest import REQUIRE_SERVERS
from tests.factories import EventFactory, EventRoleFactory, UserFactory, enable_totp
from tests.integration.test_readiness import binary
from tests.integration.test_two_workers import database_url, running_topology
from tests.mailservers import run_due_tasks
from tests.socket import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Ports of this test's own, apart from the other topology tests'.
NGINX_PORT, FIRST_WORKER, REDIS_PORT = 8380, 8381, 8383
WORKER_PORTS = (FIRST_WORKER, FIRST_WORKER + 1)
WAIT = 60.0  # generous: a busy machine

NICKNAME = "Nickname-Zq7erase"
EMAIL = "zq7.erase@example.vn"
TEXT = "Câu hỏi riêng Zq7 về thừa kế đất"
SOCKET_TEXT = "Câu hỏi qua kết nối trực tiếp Zq7 về sổ đỏ"
SECRETS = (NICKNAME, EMAIL, TEXT, SOCKET_TEXT)


# --- Where a secret may hide, and how it may be written -------------------------------------


def spellings(secret: str) -> set[str]:
    """Every way a store or a log may write `secret`, case-folded (texts are compared so)."""
    forms = {
        secret,
        fold(secret),  # the similar questions' cache keeps the texts folded
        json.dumps(secret)[1:-1],  # \uXXXX escapes
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
    }
    # COPY lines of a dump, and a JSON line quoting JSON, double every backslash.
    forms |= {form.replace("\\", "\\\\") for form in forms}
    return {form.casefold() for form in forms}


SPELLINGS = {secret: spellings(secret) for secret in SECRETS}


def holds(text: str, secret: str) -> bool:
    folded = text.casefold()
    return any(form in folded for form in SPELLINGS[secret])


def leaks(sources: dict[str, str]) -> list[str]:
    """Each place that holds a secret, with the text around the first time it does."""
    found = []
    for where, text in sources.items():
        folded = text.casefold()
        for secret, forms in SPELLINGS.items():
            at = min((i for i in (folded.find(form) for form in forms) if i >= 0), default=-1)
            if at >= 0:
                found.append(f"{where} holds {secret!r}: …{folded[max(0, at - 120) : at + 120]}…")
    return found


def readable(data: bytes) -> str:
    """Bytes as text, leniently; a zip (an XLSX) as the text of every file in it."""
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(readable(archive.read(name)) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def database_dump() -> str:
    """The database the workers share with this process, as a plain SQL dump."""
    dumped = subprocess.run(
        [binary("pg_dump"), "--no-owner", "--no-privileges", f"--dbname={database_url()}"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert dumped.returncode == 0, dumped.stderr.decode(errors="replace")
    return readable(dumped.stdout)


def redis_contents() -> str:
    """Every key of every database of the test's Redis, each with its value, one per line."""
    lines = []
    with redis.Redis(host="127.0.0.1", port=REDIS_PORT) as server:
        databases = [int(name.removeprefix("db")) for name in server.info("keyspace")]
    for db in databases:
        with redis.Redis(host="127.0.0.1", port=REDIS_PORT, db=db) as client:
            for key in client.scan_iter(count=500):
                lines.append(f"db{db} {readable(key)} {readable(value_of(client, key))}")
    return "\n".join(lines)


def value_of(client: redis.Redis, key: bytes) -> bytes:
    kind = client.type(key).decode()
    parts: list[bytes]
    if kind == "string":
        parts = [client.get(key) or b""]
    elif kind == "hash":
        parts = [part for pair in client.hgetall(key).items() for part in pair]
    elif kind == "list":
        parts = client.lrange(key, 0, -1)
    elif kind == "set":
        parts = sorted(client.smembers(key))
    elif kind == "zset":
        parts = [member for member, _score in client.zrange(key, 0, -1, withscores=True)]
    elif kind == "stream":
        parts = [repr(entry).encode() for entry in client.xrange(key)]
    else:  # "none": it expired between the scan and the read
        parts = []
    return b"\n".join(parts)


def files_under(*roots: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root.parent)): readable(path.read_bytes())
        for root in roots
        if root.exists()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT:.0f} s for {what}")
        time.sleep(0.05)


# --- A browser without JavaScript, and the socket of the page ----------------------------------


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the test reads each redirect itself


class Browser:
    """Cookies and forms over real HTTP through nginx; redirects are answers, not followed."""

    def __init__(self, cookie: str = "") -> None:
        self.origin = f"http://127.0.0.1:{NGINX_PORT}"
        self.cookie = cookie  # a session made in this process, for staff
        self.jar = urllib.request.HTTPCookieProcessor()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), self.jar, _NoRedirects()
        )

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self.origin + path))

    def post(self, path: str, form: dict[str, str], **headers: str) -> Response:
        request = urllib.request.Request(
            self.origin + path,
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={"Origin": self.origin, **headers},
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> Response:
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        try:
            with self.opener.open(request, timeout=WAIT) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read())

    def cookie_named(self, name: str) -> str:
        return next(c.value or "" for c in self.jar.cookiejar if c.name == name)

    def cookies(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar.cookiejar)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"the page has no {name}"
    return found.group(1)


class Socket:
    """The event page's websocket, straight to a worker or through nginx; keeps every frame."""

    def __init__(self, port: int, slug: str, cookie: str = "") -> None:
        from websockets.sync.client import connect

        self.stack = ExitStack()
        self.connection = self.stack.enter_context(
            connect(
                f"ws://127.0.0.1:{port}/ws/events/{slug}/",
                origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie} if cookie else None,
                open_timeout=WAIT,
                proxy=None,
            )
        )
        self.received: list[str] = []
        self.snapshot = self.next_of("snapshot")

    def send(self, frame: dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame))

    def next_of(self, *kinds: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while True:
            text = str(self.connection.recv(timeout=max(0.0, deadline - time.monotonic())))
            self.received.append(text)
            frame = json.loads(text)
            if frame["type"] in kinds:
                return frame

    def wait_for(self, kind: str, ids: set[int], key: Callable[[dict[str, Any]], int]) -> None:
        """Read until a frame of `kind` has come for each of `ids`."""
        missing = set(ids)
        while missing:
            missing.discard(key(self.next_of(kind)))

    def close(self) -> None:
        self.stack.close()


# --- The site --------------------------------------------------------------------------------


@dataclass
class Site:
    event: Event
    moderator: User
    state: Path  # the workers' and nginx's files: pid files, logs, temporary files
    media: Path
    downloads: Path


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own: all its keys are this dialogue's, and nobody else's."""
    server = shutil.which("redis-server")
    if server is None:
        message = "redis-server is not installed; the erasure test reads a Redis of its own"
        if REQUIRE_SERVERS:
            pytest.fail(message)
        pytest.skip(message)
    command = [server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def listening() -> bool:
            assert process.poll() is None, f"redis-server could not start on port {REDIS_PORT}"
            try:
                socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1).close()
            except OSError:
                return False
            return True

        wait_until(listening, "the private Redis")
        yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def site(tmp_path: Path, private_redis: str, settings: Any) -> Iterator[Site]:
    """A live, screened dialogue with its moderator, served by the topology on the test's Redis.

    This process (the moderator's actions, the task worker) uses that Redis too: its cache and
    its channel layer, as every process of a deployment does.
    """
    settings.REDIS_URL = private_redis
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis}}
    layer = settings.CHANNEL_LAYERS["default"]
    host = {**layer["CONFIG"]["hosts"][0], "address": private_redis}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    moderator = UserFactory(display_name="Phạm Biên Tập")
    EventRoleFactory(event=event, user=moderator, role=EventRole.Role.MODERATOR)
    enable_totp(moderator)  # staff pages, exports included, need two factors
    media = tmp_path / "media"
    with running_topology(
        tmp_path,
        private_redis,
        nginx_port=NGINX_PORT,
        first_worker=FIRST_WORKER,
        NGINX_ACCESS_LOG="1",
        MEDIA_ROOT=str(media),
        # Every export through the task queue: kept as an ExportJob, downloaded from its page.
        REPORTS_SYNC_EXPORT_ROWS="0",
    ):
        yield Site(event, moderator, tmp_path / "topology", media, tmp_path / "downloads")


def request_export(operator: Browser, slug: str, fmt: str) -> str:
    """Ask for an export of the dialogue's questions; the id of the job that makes it."""
    asked = operator.get(f"/reports/e/{slug}/questions.{fmt}")
    assert asked.status == 302, asked.text[:500]
    found = re.search(r"/reports/exports/([0-9a-f-]{36})/$", asked.headers["Location"])
    assert found, asked.headers["Location"]
    return found.group(1)


def download(operator: Browser, job: str, folder: Path) -> Path:
    """Download a made export into `folder`, as an operator's browser saves it."""
    got = operator.get(f"/reports/exports/{job}/file")
    assert got.status == 200, got.text[:500]
    name = re.search(r'filename="([^"]+)"', got.headers["Content-Disposition"])
    assert name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name.group(1)
    path.write_bytes(got.body)
    return path


def test_after_an_erasure_no_dump_key_log_or_export_holds_the_nickname_email_or_words(
    site: Site, caplog: pytest.LogCaptureFixture
):
    event, slug = site.event, site.event.slug
    watcher = Socket(NGINX_PORT, slug)
    opened = [watcher]
    try:
        # The citizen joins, asks with the no-JS form and over the socket, looks for similar
        # questions (a POST: typed words never go in a URL) and opens their private page.
        citizen = Browser()
        page = citizen.get(f"/e/{slug}/").text
        joined = citizen.post(
            f"/e/{slug}/join/",
            {
                "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
                "join_token": hidden(page, "join_token"),
                "nickname": NICKNAME,
                "email": EMAIL,
                "consent": "on",
            },
        )
        assert joined.status == 302, joined.text[:500]
        page = citizen.get(f"/e/{slug}/").text
        form = {"csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken")}
        asked = citizen.post(
            f"/e/{slug}/ask/", {**form, "text": TEXT, "client_id": f"{uuid.uuid4()}"}
        )
        assert asked.status == 302, asked.text[:500]
        asker = Socket(NGINX_PORT, slug, citizen.cookies())
        opened.append(asker)
        command = {"type": "ask", "id": "a1", "client_id": str(uuid.uuid4()), "text": SOCKET_TEXT}
        asker.send(command)
        assert asker.next_of("asked", "error")["type"] == "asked"
        asker.close()

        # The moderator publishes both and answers one on stage: an email to the asker is queued.
        ids = dict(Question.objects.filter(event=event).values_list("text", "pk"))
        assert set(ids) == {TEXT, SOCKET_TEXT}
        for question_id in ids.values():
            services.approve_question(
                actor=site.moderator, event=event, question_id=question_id, version=None
            )
        services.set_stage(
            actor=site.moderator,
            event=event,
            question_id=ids[TEXT],
            version=None,
            stage="answered",
        )
        watcher.wait_for("question.published", set(ids.values()), lambda f: f["question"]["id"])

        similar = citizen.post(
            f"/e/{slug}/similar/", {"q": TEXT}, **{"X-CSRFToken": citizen.cookie_named("csrftoken")}
        )
        assert similar.status == 200, similar.text[:500]
        assert ids[TEXT] in [found["id"] for found in json.loads(similar.body)["questions"]]
        follow = re.search(
            r'id="follow-url" type="text" readonly value="([^"]+)"', citizen.get(f"/e/{slug}/").text
        )
        assert follow, "the event page shows no private link"
        link = urllib.parse.urlsplit(html.unescape(follow.group(1))).path
        private = citizen.get(link)
        assert private.status == 200
        assert TEXT in html.unescape(private.text)

        # An operator exports the questions; the task worker makes the files and sends the email.
        operator = Browser(async_to_sync(session_cookie)(user=site.moderator))
        jobs = [request_export(operator, slug, fmt) for fmt in ("csv", "xlsx")]
        run_due_tasks()
        assert [message.to for message in mail.outbox] == [[EMAIL]]
        copies = [download(operator, job, site.downloads / "before") for job in jobs]

        # Everything holds the person until they erase: the checks below can fail.
        dump = database_dump()
        assert [secret for secret in SECRETS if not holds(dump, secret)] == []
        assert holds(redis_contents(), TEXT)  # the similar questions' cache
        for copy in copies:
            assert holds(readable(copy.read_bytes()), NICKNAME)
            assert holds(readable(copy.read_bytes()), TEXT)
        assert holds(" ".join(watcher.received), TEXT)

        # The citizen erases their data from the private link.
        private = citizen.get(link)
        erased = citizen.post(
            link + "erase/",
            {"csrfmiddlewaretoken": hidden(private.text, "csrfmiddlewaretoken"), "confirm": "yes"},
            Referer=citizen.origin + link,
        )
        assert erased.status == 302, erased.text[:500]
        assert citizen.get(link).status == 404
        watcher.wait_for("question.withdrawn", set(ids.values()), lambda f: f["question_id"])

        # What the site still serves: the exports made before are gone; a new one is made.
        assert not ExportJob.objects.filter(pk__in=jobs).exists()
        assert [operator.get(f"/reports/exports/{job}/file").status for job in jobs] == [404, 404]
        jobs = [request_export(operator, slug, fmt) for fmt in ("csv", "xlsx")]
        run_due_tasks()
        for job in jobs:
            download(operator, job, site.downloads / "after")
        pages = {path: citizen.get(path).text for path in (f"/e/{slug}/", f"/e/{slug}/archive/")}

        # What each worker's hub remembers of the dialogue's deltas, since before the asks.
        remembered = []
        for port in WORKER_PORTS:
            fresh = Socket(port, slug)
            opened.append(fresh)
            fresh.send({"type": "resync", "id": "r1", "since": watcher.snapshot["seq"]})
            fresh.next_of("backlog", "snapshot")
            remembered += fresh.received

        logs = files_under(site.state, site.media)
        sources = {
            "pg_dump": database_dump(),
            "Redis": redis_contents(),
            **logs,
            "this process's log": caplog.text,
            **{
                f"export {path.name}": readable(path.read_bytes())
                for path in (site.downloads / "after").iterdir()
            },
            **{f"page {path}": text for path, text in pages.items()},
            "the hubs' memory": "\n".join(remembered),
        }
        # The logs are there to be read: both have the requests of this test.
        workers = "\n".join(text for name, text in logs.items() if "worker-" in name)
        assert '"view": "erasure:erase"' in workers
        assert '"view": "dialogue:similar"' in workers
        assert "/mine/***/erase/" in logs["topology/nginx-access.log"]
        assert leaks(sources) == []
        # Nor the private link: until the erasure, whoever read it could see the questions.
        token = link.removeprefix(f"/e/{slug}/mine/").strip("/")
        assert [name for name, text in logs.items() if token in text] == []
    finally:
        for opened_socket in opened:
            opened_socket.close()
