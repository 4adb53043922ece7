"""The national roll-up between real installations on loopback: two servers, two databases.

A province's installation (a uvicorn server on its own SQLite file) issues its reports, one of
them corrected, and publishes them signed. A ministry's installation (another uvicorn server on
another file) registers the province's public key and address, pulls the document over HTTP
(its task worker runs the pull), takes a second province's document as an uploaded file, refuses
a forged one, and serves the sums by province, each report counted once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from reports.rollup.document import new_private_key, private_key, public_key_text

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120.0  # seconds a server may take to start on a loaded machine
TOKEN = "token-of-the-province"

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "ROLLUP_SIGNING_KEY", "ROLLUP_FEED_TOKEN")
    }
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{database}", **extra)
    return env


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def shell(env: dict[str, str], script: str) -> dict[str, object]:
    """Run a script in the installation's shell; it prints one JSON line, returned."""
    out = manage(env, "shell", "-c", script)
    return dict(json.loads(out.strip().splitlines()[-1]))


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT:.0f} s for {what}\n{log.read_text()[-3000:]}")
        time.sleep(0.3)


def errors(page: str) -> list[str]:
    """The form's errors on a page answered 400."""
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', page)


def answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    except requests.ConnectionError:
        return False
    return True


# Issues a province's reports through the service: its department's report for the year, then a
# correction of it; and its commune's. Prints their numbers.
PUBLISH = """
import json
from datetime import date
from django.utils import timezone
from dialogue.models import Participant, Question
from events.models import Agency, AgencyMembership, Event, User
from reports.services import issue_agency_report

def held(agency, questions):
    now = timezone.now()
    event = Event.objects.create(agency=agency, slug=f"doi-thoai-{{agency.slug}}-{{questions}}",
        title="Đối thoại", status="ended", starts_at=now, ends_at=now + timezone.timedelta(hours=1))
    for n in range(questions):
        author = Participant.objects.create(event=event, nickname=f"Người {{n}}")
        Question.objects.create(event=event, author=author, text=f"Câu hỏi {{n}}?",
            status="approved")

province = Agency.objects.create(name="{province}", slug="ubnd-tinh")
department = Agency.objects.create(name="Sở Tư pháp", slug="so-tu-phap", parent=province)
commune = Agency.objects.create(name="UBND xã Hòa Bình", slug="ubnd-xa", parent=province)
organiser = User.objects.create_user("tochuc@example.org", "x")
AgencyMembership.objects.create(agency=province, user=organiser)
year = timezone.localdate().year
period = dict(start=date(year, 1, 1), end=date(year, 12, 31), signer_name="Nguyễn Văn An",
    signer_title="Giám đốc")
held(department, {department_questions})
first = issue_agency_report(actor=organiser, agency=department, **period)
held(department, 1)
correction = issue_agency_report(actor=organiser, agency=department, corrects=first, **period)
held(commune, {commune_questions})
own = issue_agency_report(actor=organiser, agency=commune, **period)
print(json.dumps({{"first": first.number, "correction": correction.number,
    "correction_received": correction.figures["total"]["received"],
    "commune_received": own.figures["total"]["received"]}}))
"""

# The ministry's administrator, with two factors, signed in: the session's cookie. And the two
# publishers, registered with their public keys.
IMPORTER = """
import json
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from events.models import User
from reports.models import RollupSource
admin = User.objects.create_superuser("admin@example.org", "x")
TOTP.activate(admin, generate_totp_secret())
client = Client()
client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
session = client.session
session["account_authentication_methods"] = [{{"method": "mfa", "type": "totp"}}]
session.save()
pulled = RollupSource.objects.create(name="Tỉnh Bắc Ninh", public_key="{pulled_key}",
    feed_url="http://127.0.0.1:{port}/rollup/reports.json", feed_token="{token}")
uploaded = RollupSource.objects.create(name="Tỉnh Thái Nguyên", public_key="{uploaded_key}")
print(json.dumps({{"session": session.session_key, "pulled": pulled.pk, "uploaded": uploaded.pk}}))
"""


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[dict[str, object]]:
    migrated = tmp_path / "migrated.sqlite3"
    manage(environment(migrated), "migrate", "--no-input", "-v", "0")
    files = {name: tmp_path / f"{name}.sqlite3" for name in ("province", "other", "ministry")}
    for file in files.values():
        shutil.copyfile(migrated, file)
    keys = {name: new_private_key() for name in ("province", "other")}
    publishers = {
        name: environment(
            files[name],
            ROLLUP_SIGNING_KEY=keys[name],
            ROLLUP_FEED_TOKEN=TOKEN,
            ROLLUP_PUBLISHER=f"Sở Tư pháp ({name})",
        )
        for name in ("province", "other")
    }
    issued = {
        "province": shell(
            publishers["province"],
            PUBLISH.format(
                province="UBND tỉnh Bắc Ninh", department_questions=4, commune_questions=3
            ),
        ),
        "other": shell(
            publishers["other"],
            PUBLISH.format(
                province="UBND tỉnh Thái Nguyên", department_questions=2, commune_questions=5
            ),
        ),
    }
    ports = {"province": free_port(), "ministry": free_port()}
    ministry = environment(files["ministry"])
    registered = shell(
        ministry,
        IMPORTER.format(
            pulled_key=public_key_text(private_key(keys["province"])),
            uploaded_key=public_key_text(private_key(keys["other"])),
            port=ports["province"],
            token=TOKEN,
        ),
    )
    # The other province publishes offline: its document, as its administrator downloads it.
    document = tmp_path / "thai-nguyen.json"
    manage(
        publishers["other"],
        "shell",
        "-c",
        "from pathlib import Path; from reports.rollup.document import build_document; "
        f"Path({str(document)!r}).write_bytes(build_document())",
    )
    servers = []
    log = tmp_path / "servers.log"
    with log.open("w") as output:
        for name, env in (("province", publishers["province"]), ("ministry", ministry)):
            servers.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
                        *("--host", "127.0.0.1", "--port", str(ports[name]), "--lifespan", "off"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        for name in ports:
            wait_for(lambda name=name: answers(ports[name]), f"the {name} server", log)
        yield {
            "ports": ports,
            "ministry": ministry,
            "issued": issued,
            "registered": registered,
            "document": document,
        }
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)


def test_a_ministry_sums_two_provinces_reports_pulled_and_uploaded(installations) -> None:
    ports = installations["ports"]
    registered = installations["registered"]
    issued = installations["issued"]
    province = f"http://127.0.0.1:{ports['province']}"
    ministry = f"http://127.0.0.1:{ports['ministry']}"

    # The province's document is for those with its token.
    assert requests.get(f"{province}/rollup/reports.json", timeout=30).status_code == 401

    admin = requests.Session()
    admin.cookies.set("sessionid", registered["session"], domain="127.0.0.1")
    page = admin.get(f"{ministry}/reports/rollup/", timeout=60)
    assert page.status_code == 200, page.text[:500]
    csrf = {"X-CSRFToken": admin.cookies["csrftoken"]}

    # Pulled: the request only queues it; the ministry's task worker fetches over loopback.
    pulled = admin.post(
        f"{ministry}/reports/rollup/publishers/{registered['pulled']}/pull",
        headers=csrf,
        allow_redirects=False,
        timeout=60,
    )
    assert pulled.status_code == 302
    manage(installations["ministry"], "task_worker", "--batch", "--no-startup-delay")

    # Uploaded: the other province's file; then a forged copy of it, refused whole.
    raw = installations["document"].read_bytes()
    uploaded = admin.post(
        f"{ministry}/reports/rollup/upload",
        data={"source": registered["uploaded"]},
        files={"document": ("thai-nguyen.json", raw, "application/json")},
        headers=csrf,
        allow_redirects=False,
        timeout=60,
    )
    assert uploaded.status_code == 302, errors(uploaded.text)
    envelope = json.loads(raw)
    envelope["payload"] = envelope["payload"].replace('"received": 5', '"received": 50')
    forged = admin.post(
        f"{ministry}/reports/rollup/upload",
        data={"source": registered["uploaded"]},
        files={"document": ("forged.json", json.dumps(envelope).encode(), "application/json")},
        headers=csrf,
        timeout=60,
    )
    assert forged.status_code == 400

    summed = admin.get(f"{ministry}/reports/rollup/data.json", timeout=60).json()
    provinces = {p["name"]: p for p in summed["provinces"]}
    assert set(provinces) == {"UBND tỉnh Bắc Ninh", "UBND tỉnh Thái Nguyên"}
    bac_ninh = provinces["UBND tỉnh Bắc Ninh"]
    reports = {r["number"]: r for r in bac_ninh["reports"]}
    # The correction replaces the report it corrects: flagged, and the old one not summed.
    assert reports[issued["province"]["correction"]]["reissued"]
    assert not reports[issued["province"]["first"]]["counted"]
    expected = issued["province"]["correction_received"] + issued["province"]["commune_received"]
    assert bac_ninh["sums"]["values"]["total.received"] == expected == 5 + 3
    thai_nguyen = provinces["UBND tỉnh Thái Nguyên"]["sums"]["values"]["total.received"]
    assert thai_nguyen == 3 + 5
    assert summed["sums"]["values"]["total.received"] == 16

    # Pulling again adds nothing: each report is kept once.
    admin.post(
        f"{ministry}/reports/rollup/publishers/{registered['pulled']}/pull",
        headers=csrf,
        allow_redirects=False,
        timeout=60,
    )
    manage(installations["ministry"], "task_worker", "--batch", "--no-startup-delay")
    again = admin.get(f"{ministry}/reports/rollup/data.json", timeout=60).json()
    assert again["sums"] == summed["sums"]
