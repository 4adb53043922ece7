"""Logs: JSON lines with request and socket ids in production, and secret links masked."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from config.logs import mask_secrets

ROOT = Path(__file__).resolve().parents[2]
PORT = 8801
# As deploy/systemd/doithoai@.service runs it (without the pinning).
UVICORN_OPTIONS = (
    *("--host", "127.0.0.1", "--port", str(PORT), "--ws", "websockets-sansio"),
    *("--ws-per-message-deflate", "false", "--lifespan", "off", "--no-access-log"),
)


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /stage/Abc-123_x/", "GET /stage/***/"),
        ("GET /ws/stage/Abc-123_x/ 403", "GET /ws/stage/***/ 403"),
        ("/invitations/tok3n/?next=/", "/invitations/***/?next=/"),
        ("/accounts/confirm-email/MQ:1t2:abc/", "/accounts/confirm-email/***/"),
        ("/accounts/password/reset/key/1-set-password/", "/accounts/password/reset/key/***/"),
        ("referer https://x.gov.vn/stage/zzz", "referer https://x.gov.vn/stage/***"),
        # An asker's private link: whoever has it sees their questions and may erase them.
        ("POST /e/hoi-nghi/mine/7:Ab-c_d/erase/", "POST /e/hoi-nghi/mine/***/erase/"),
        ("GET /e/hoi-nghi/moderate/stage-link/", "GET /e/hoi-nghi/moderate/stage-link/"),
        # The admin's search box is a GET: what was typed (an email, a nickname) is masked.
        ("GET /admin/events/user/?q=lan%40example.vn", "GET /admin/events/user/?***"),
        (
            "GET /admin/events/user/7/change/?_changelist_filters=q%3Dlan",
            "GET /admin/events/user/7/change/?***",
        ),
        ("referer https://x.gov.vn/admin/?q=Lan 200", "referer https://x.gov.vn/admin/?*** 200"),
        ("GET /admin/events/user/", "GET /admin/events/user/"),
        # The catalogue's search box: public words, looked up in what is published.
        ("GET /?q=dat+nong+nghiep", "GET /?q=dat+nong+nghiep"),
    ],
)
def test_secret_links_are_masked_and_nothing_else(line, masked):
    assert mask_secrets(line) == masked


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="a-test-key-long-enough-for-production-mode-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback, as behind nginx without its headers
    )
    return env


@pytest.fixture
def production_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """uvicorn as the units run it, DEBUG off and no LOG_FORMAT; its log file and a stage token."""
    env = production_env(tmp_path)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)  # type: ignore[call-overload]
    token = subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-c", CREATE_EVENT], **run
    ).stdout.strip()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", *UVICORN_OPTIONS],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield log_path, token
    finally:
        server.terminate()
        server.wait(timeout=30)


CREATE_EVENT = """
import django
django.setup()
from tests.factories import EventFactory
print(EventFactory(slug="nhat-ky").stage_token)
"""


def get(path: str, **headers: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


async def open_and_close(path: str) -> bool:
    try:
        async with connect(
            f"ws://127.0.0.1:{PORT}{path}", origin=f"http://127.0.0.1:{PORT}"
        ) as socket:
            await socket.recv()
            return True
    except InvalidStatus:
        return False


def test_production_logs_are_json_lines_with_ids_and_no_secret(production_server):
    log_path, token = production_server
    assert get("/healthz", **{"X-Request-ID": "from-nginx-42"}) == 200
    assert get("/stage/not-the-token/") == 404
    assert get(f"/stage/{token}/?from=hall") in (200, 500)
    assert asyncio.run(open_and_close(f"/ws/stage/{token}/")) is True
    assert asyncio.run(open_and_close("/ws/events/nhat-ky/")) is True

    def lines() -> list[str]:
        return [line for line in log_path.read_text().splitlines() if line.strip()]

    deadline = time.monotonic() + 30
    while sum('"socket_closed"' in line for line in lines()) < 2:
        assert time.monotonic() < deadline, "\n".join(lines())
        time.sleep(0.1)

    records = [json.loads(line) for line in lines()]  # every line is JSON
    assert token not in log_path.read_text()
    assert "not-the-token" not in log_path.read_text()
    requests = [r for r in records if r["event"] == "request_finished"]
    assert {r["request"] for r in requests} >= {"GET /healthz", "GET /stage/***/"}
    assert all(r["request_id"] and r["timestamp"] and r["level"] for r in requests)
    assert "from-nginx-42" in [r["request_id"] for r in requests if r["request"] == "GET /healthz"]
    assert len({r["request_id"] for r in requests}) == len(requests)
    sockets = [r for r in records if r["event"] in ("socket_opened", "socket_closed")]
    assert {r["path"] for r in sockets} == {"/ws/stage/***/", "/ws/events/nhat-ky/"}
    assert len({r["socket_id"] for r in sockets}) == 2
    # Lines logged while a request or a socket is served carry its id, whoever logged them.
    for record in records:
        if record["logger"] == "django.request":
            assert record["request_id"]
        if record["logger"].startswith("uvicorn"):
            assert "[accepted]" not in record["event"]  # our socket_opened says it
    # One access line per request: uvicorn's own access log stays off.
    assert not [r for r in records if r["logger"] == "uvicorn.access"]
