"""What CI runs (.ci/run) names no network host; the audit runs only when the network is there.

`.ci/run` used to decide whether it could audit by calling two advisory services by name. The
audit's source is now a setting of `make audit` (PIP_AUDIT_SERVICE), run by an operator with
network access, and by CI only when CI_NETWORK=1 says the network is available. No other file
that runs names a network host either, but the few named on purpose below.

ShellCheck runs in `make check` on the deploy scripts and on `.ci/run`, which installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A host name (a dotted name ending in a top-level domain) or any URL with a host.
HOST = re.compile(
    r"https?://[^\s\"'/]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org|dev|com|net|io|vn|gov|app)\b",
    re.IGNORECASE,
)


def test_ci_and_the_audit_name_no_network_host():
    makefile = (ROOT / "Makefile").read_text()
    audit = re.search(r"^audit:.*?(?=^\S)", makefile, flags=re.MULTILINE | re.DOTALL)
    assert audit is not None
    for name, text in (
        (".ci/run", (ROOT / ".ci" / "run").read_text()),
        ("make audit", audit[0]),
        (".pre-commit-config.yaml", (ROOT / ".pre-commit-config.yaml").read_text()),
    ):
        assert HOST.findall(text) == [], name
    assert "--vulnerability-service $(PIP_AUDIT_SERVICE)" in audit[0]


def audit_step(tmp_path: Path, **env: str) -> tuple[str, list[str]]:
    """The end of .ci/run (after the tests), with a `make` that only writes down its arguments."""
    script = (ROOT / ".ci" / "run").read_text()
    step = script[script.index("make test\n") + len("make test\n") :]
    (tmp_path / "step.sh").write_text("set -euo pipefail\n" + step)
    fake = tmp_path / "make"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "made"}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    run_env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", **env}
    result = subprocess.run(
        ["bash", str(tmp_path / "step.sh")], env=run_env, capture_output=True, text=True, check=True
    )
    made = tmp_path / "made"
    return result.stderr, made.read_text().splitlines() if made.exists() else []


def test_ci_audits_only_when_it_is_told_the_network_is_there(tmp_path):
    stderr, made = audit_step(tmp_path)
    assert made == []
    assert "pip-audit: NOT RUN" in stderr
    stderr, made = audit_step(tmp_path, CI_NETWORK="1")
    assert made == ["audit"]
    assert "NOT RUN" not in stderr


# --- No host named anywhere that runs ---------------------------------------------------------

TOP_LEVEL = r"(?:com|org|net|io|dev|app|ai|co|cloud|info|edu|gov|vn)"
URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s\"'/<>`)\]:;,?]+)", re.IGNORECASE)
BARE_HOST = re.compile(rf"(?<![\w.@-])((?:[a-z0-9-]+\.)+{TOP_LEVEL})(?![\w-]|\.\w)", re.IGNORECASE)
QUOTED_HOST = re.compile(rf"[\"']((?:[a-z0-9-]+\.)+{TOP_LEVEL})[\"']", re.IGNORECASE)
# Documentation, the settings' own reference (.env.example), translations, and the tests' data:
# they may name hosts, which nothing contacts. Lock files hold names and hashes only.
NOT_RUN = ("docs/", "locale/", "locale-vendor/", "tests/", ".env.example")
CODE = (".py", ".js", ".lua")
NOT_TEXT = (".md", ".png", ".jpg", ".ico", ".woff", ".woff2", ".mo", ".po", ".lock", ".gz")
# The hosts that files which run may name, and why: none is contacted by the server, CI or a
# script.
NAMED_ON_PURPOSE = {
    # The video players a dialogue's stream link becomes (events/streams.py), which the pages'
    # Content-Security-Policy lets the visitor's browser frame (config/settings.py).
    "www.youtube-nocookie.com",
    "youtube.com",
    "www.facebook.com",
    "player.vimeo.com",
    "vimeo.com",
    # The SVG namespace of the reports' charts: an identifier, never fetched.
    "www.w3.org",
    # The Web Push services a browser's subscription may name, and Zalo's API: the task worker
    # posts there only once an operator set WEBPUSH_VAPID_PRIVATE_KEY or ZALO_ZNS_ENABLED
    # (docs/operations.md, section 17); the tests use servers on loopback.
    "fcm.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
    "business.openapi.zalo.me",
    "oauth.zaloapp.com",
}


def hosts_named(text: str, *, code: bool) -> set[str]:
    """The network hosts a file names: in a URL, quoted alone, and (but in a program's code,
    where `structlog.dev` is an attribute) bare. Loopback, the reserved example names, the
    deploy templates' placeholder domain and names made of variables are not hosts."""
    found = set(URL_HOST.findall(text)) | set(QUOTED_HOST.findall(text))
    if not code:
        found |= set(BARE_HOST.findall(text))
    hosts = {name.rsplit("@", 1)[-1].lower().rstrip(".") for name in found}
    return {
        host
        for host in hosts
        if "." in host
        and not re.search(r"[^a-z0-9.-]", host)
        and not host.startswith("127.")
        and not re.search(r"(^|\.)example(\.(com|org|net|gov\.vn))?$", host)
    }


def test_no_file_that_runs_names_a_network_host():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert ".ci/run" in tracked
    named: dict[str, set[str]] = {}
    for name in tracked:
        if name.startswith(NOT_RUN) or name.endswith(NOT_TEXT):
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        if hosts := hosts_named(text, code=name.endswith(CODE)) - NAMED_ON_PURPOSE:
            named[name] = hosts
    assert named == {}


def test_the_host_finder_finds_the_hosts_ci_used_to_call():
    assert hosts_named("curl -sf https://pypi.org/simple/ >/dev/null", code=False) == {"pypi.org"}
    assert hosts_named("pip-audit --vulnerability-service osv  # osv.dev", code=False) == {
        "osv.dev"
    }
    assert hosts_named('ADVISORIES = "api.osv.dev"', code=True) == {"api.osv.dev"}
    assert hosts_named("socket.create_connection(('files.pythonhosted.org', 443))", code=True)
    assert hosts_named("log.info(self.app); structlog.dev.ConsoleRenderer()", code=True) == set()
    assert hosts_named("http://127.0.0.1:8000 doithoai.example.gov.vn x.example", code=False) == (
        set()
    )


def test_make_check_runs_shellcheck_on_every_script_and_ci_installs_it():
    makefile = (ROOT / "Makefile").read_text()
    check = re.search(r"^check:.*?(?=^\S)", makefile, flags=re.MULTILINE | re.DOTALL)
    assert check is not None
    assert "shellcheck -x $(SHELL_SCRIPTS)" in check[0]
    assert re.search(r"^SHELL_SCRIPTS := deploy/\*\.sh \.ci/run$", makefile, flags=re.MULTILINE)
    assert "need+=(shellcheck)" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed here")
def test_shellcheck_finds_nothing_in_the_scripts():
    scripts = [*sorted((ROOT / "deploy").glob("*.sh")), ROOT / ".ci" / "run"]
    result = subprocess.run(
        ["shellcheck", "-x", *map(str, scripts)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
