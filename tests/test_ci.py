"""What CI runs (.ci/run) names no network host; the audit runs only when the network is there.

`.ci/run` used to decide whether it could audit by calling two advisory services by name. The
audit's source is now a setting of `make audit` (PIP_AUDIT_SERVICE), run by an operator with
network access, and by CI only when CI_NETWORK=1 says the network is available.

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
