"""Production configuration: the deploy checks, DEBUG, the server's frame limit, dependencies."""

from __future__ import annotations

import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# Where uvicorn is started: each such command must carry the app's frame limit.
UVICORN_PLACES = [
    "deploy/topology.sh",
    "deploy/systemd/doithoai@.service",
    "docs/deploy.md",
    "bench/procs.py",
]


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production worker, as docs/deploy.md lists it; no DEBUG."""
    # Only what a process manager would give; nothing of this test run's own environment.
    env = {
        name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="doithoai.example.gov.vn",
        CSRF_TRUSTED_ORIGINS="https://doithoai.example.gov.vn",
        SITE_URL="https://doithoai.example.gov.vn",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_deploy_checks_find_nothing_with_production_settings():
    checked = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_debug_is_off_unless_it_is_turned_on():
    printed = manage(
        "shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)",
        env=production_env(),
    )  # fmt: skip
    assert printed.stdout.strip() == "False", printed.stderr


def test_behind_tls_the_site_asks_for_https_only():
    shown = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)",
        env=production_env(),
    )
    assert shown.stdout.split() == [str(365 * 24 * 3600), "True", "True"], shown.stderr
    shown = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS)",
        env=production_env(SECURE_HSTS_SECONDS="600"),
    )
    assert shown.stdout.strip() == "600", shown.stderr


def test_every_uvicorn_command_limits_frames_to_the_apps_largest_limit():
    # The official's socket takes the largest frames (written answers): 16 × the citizen's.
    largest = settings.DIALOGUE["MAX_FRAME_BYTES"] * 16
    for place in UVICORN_PLACES:
        text = (ROOT / place).read_text()
        # One command per match: from "uvicorn" to the end of its (continued) command line.
        commands = re.findall(
            r"uvicorn[\"',]*\s+config\.asgi:application.*?(?:\n\s*\n|'\n|```|\],)",
            text.replace('"-m", "uvicorn", APPLICATION', "uvicorn config.asgi:application"),
            flags=re.DOTALL,
        )
        assert commands, f"no uvicorn command found in {place}"
        for command in commands:
            literal = re.search(r"--ws-max-size[\"',\s]+(\d+)", command)
            # Or computed from the app's variable: its default, times a factor.
            computed = re.search(
                r"--ws-max-size[^\n]*DIALOGUE_MAX_FRAME_BYTES\D*?(\d+)\D*?\*\s*(\d+)", command
            )
            assert literal or computed, f"{place}: uvicorn starts without --ws-max-size:\n{command}"
            size = (
                int(literal.group(1))
                if literal
                else int(computed.group(1)) * int(computed.group(2))  # type: ignore[union-attr]
            )
            assert size == largest, (place, command)


def test_the_officials_socket_takes_the_largest_frames_the_server_lets_through():
    from dialogue import messages as citizen_messages
    from live.errors import InvalidMessage
    from moderation import messages as staff_messages

    largest = settings.DIALOGUE["MAX_FRAME_BYTES"] * 16

    def refusal(parse, size: int) -> str:  # type: ignore[no-untyped-def]
        frame = '{"type": "ping", "id": "c1", "pad": "' + "x" * (size - 39) + '"}'
        assert len(frame.encode()) == size
        try:
            parse(frame)
        except InvalidMessage as error:
            return error.code
        return ""

    assert refusal(staff_messages.parse_official_command, largest) != "too_large"
    assert refusal(staff_messages.parse_official_command, largest + 1) == "too_large"
    for parse in (citizen_messages.parse_command, staff_messages.parse_command):
        assert refusal(parse, largest) == "too_large"


def test_allauth_is_required_at_a_release_that_ignores_forged_forwarded_for():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (allauth,) = [
        Requirement(line)
        for line in project["dependencies"]
        if Requirement(line).name == "django-allauth"
    ]
    floor = Version("65.14.2")
    assert not allauth.specifier.contains("65.14.1")
    assert allauth.specifier.contains(str(floor))
    assert Version(importlib.metadata.version("django-allauth")) >= floor
