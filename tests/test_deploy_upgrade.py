"""deploy/upgrade.sh's decisions, on a repository of releases with stand-ins for the system.

Each release is a tag of a scratch repository holding the real deploy/ scripts. `systemctl`,
`curl` (the workers' /readyz) and the virtualenv's Python are stand-ins that log what they are
asked; a release says through marker files whether its checks fail, whether it has migrations
to run, and whether its workers get ready. What is checked is the order of things and what the
script decides: checks before any restart, migrations before the restart (online) or between
stop and start (stop), and a rollback to the previous release when no migration ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PYTHON_STUB = """#!/usr/bin/env bash
echo "python $*" >>"{log}"
case "$*" in
"manage.py check"*) [ ! -f CHECK_FAILS ] ;;
"manage.py migrate --plan")
    if [ -f MIGRATIONS_PENDING ]; then echo "Planned operations:"; echo "events.0042_x"
    else echo "Planned operations:"; echo "  No planned migration operations."; fi ;;
esac
"""
SYSTEMCTL_STUB = """#!/usr/bin/env bash
echo "systemctl $*" >>"{log}"
"""
CURL_STUB = """#!/usr/bin/env bash
# /readyz of the release checked out: 503 when it says its workers do not get ready.
if [ -f "{app}/NOT_READY" ]; then code=503; else code=200; fi
case "$*" in
*"-w"*) printf '%s' "$code" ;;
*) printf '{{"TaskWorker()": "%s"}}' "$([ "$code" = 200 ] && echo OK || echo Unavailable)" ;;
esac
"""

# version → (migrations line, marker files)
RELEASES = {
    "1.0.0": ("online", []),
    "1.1.0": ("online", []),
    "1.2.0": ("stop", ["MIGRATIONS_PENDING"]),
    "1.3.0": ("online", ["CHECK_FAILS"]),
    "1.4.0": ("online", ["NOT_READY"]),
    "1.5.0": ("online", ["MIGRATIONS_PENDING", "NOT_READY"]),
}


def git(app: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(app), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Path]:
    app, bin_dir, log = tmp_path / "app", tmp_path / "bin", tmp_path / "log"
    shutil.copytree(ROOT / "deploy", app / "deploy")
    for name in ("requirements-pip.lock", "requirements.lock", "manage.py"):
        shutil.copy(ROOT / name, app / name)
    (app / "config").mkdir()
    (app / "config" / "__init__.py").write_text("")
    (app / ".gitignore").write_text(".venv/\n")
    git(app, "init", "-q")
    git(app, "config", "user.email", "release@example.org")
    git(app, "config", "user.name", "release")
    for version, (mode, markers) in RELEASES.items():
        for marker in ("CHECK_FAILS", "MIGRATIONS_PENDING", "NOT_READY"):
            (app / marker).unlink(missing_ok=True)
        for marker in markers:
            (app / marker).write_text("")
        (app / "VERSION").write_text(f"{version}\n")
        (app / "CHANGELOG.md").write_text(
            f"# Changelog\n\n## {version} — 2026-12-07\n\n**Migrations:** {mode}\n"
        )
        git(app, "add", "-A")
        git(app, "commit", "-q", "-m", version)
        git(app, "tag", f"v{version}")
    git(app, "checkout", "-q", "--detach", "v1.0.0")
    venv = app / ".venv" / "bin"
    venv.mkdir(parents=True)
    bin_dir.mkdir()
    for path, text in (
        (venv / "python", PYTHON_STUB),
        (bin_dir / "systemctl", SYSTEMCTL_STUB),
        (bin_dir / "curl", CURL_STUB),
    ):
        path.write_text(text.format(log=log, app=app))
        path.chmod(0o755)
    env_file = tmp_path / "env"
    env_file.write_text(
        f"WORKERS=1\nWORKER_BASE_PORT=8001\nMEDIA_ROOT={tmp_path}/media\n"
        f"BACKUP_DIR={tmp_path}/backups\n"
    )
    (tmp_path / "units").mkdir()
    return {"app": app, "bin": bin_dir, "log": log, "env": env_file, "tmp": tmp_path}


def upgrade(site: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    site["log"].write_text("")
    return subprocess.run(
        [
            str(site["app"] / "deploy" / "upgrade.sh"),
            *args,
            *("--units", str(site["tmp"] / "units"), "--state", str(site["tmp"] / "state")),
            *("--restart", f"echo restart worker {{n}} >>{site['log']}", "--timeout", "2"),
        ],
        env={
            "PATH": f"{site['bin']}:{os.environ['PATH']}",
            "HOME": str(site["tmp"]),
            "ENV_FILE": str(site["env"]),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def log(site: dict[str, Path]) -> list[str]:
    return site["log"].read_text().splitlines()


def version(site: dict[str, Path]) -> str:
    return (site["app"] / "VERSION").read_text().strip()


def position(lines: list[str], text: str) -> int:
    matches = [n for n, line in enumerate(lines) if text in line]
    assert matches, f"{text!r} not in:\n" + "\n".join(lines)
    return matches[0]


def test_an_upgrade_checks_before_it_restarts_one_by_one(site):
    result = upgrade(site, "v1.1.0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert version(site) == "1.1.0"
    lines = log(site)
    order = [
        "systemctl start doithoai-backup",
        "requirements-pip.lock",
        "-r requirements.lock",
        "manage.py check --deploy",
        "manage.py migrate --plan",
        "manage.py collectstatic",
        "systemctl daemon-reload",
        "systemctl restart doithoai-tasks",
        "restart worker 1",
    ]
    assert [position(lines, step) for step in order] == sorted(
        position(lines, step) for step in order
    )
    assert not any("migrate --no-input" in line for line in lines)
    # The units of the release, for this checkout.
    unit = (site["tmp"] / "units" / "doithoai@.service").read_text()
    assert f"WorkingDirectory={site['app']}\n" in unit


def test_migrations_that_need_a_stop_run_between_stop_and_start(site):
    result = upgrade(site, "v1.2.0")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = log(site)
    stop = position(lines, "systemctl stop doithoai@* doithoai-tasks")
    assert stop < position(lines, "manage.py migrate --no-input")
    assert position(lines, "manage.py migrate --no-input") < position(
        lines, "systemctl start doithoai@1"
    )
    assert not any(line.startswith("restart worker") for line in lines)
    # A migration ran: no rollback without the backup.
    rollback = upgrade(site, "--rollback")
    assert rollback.returncode == 1
    assert "backup" in rollback.stderr
    assert version(site) == "1.2.0"


def test_a_release_that_fails_its_checks_touches_no_worker(site):
    before = git(site["app"], "rev-parse", "HEAD")
    result = upgrade(site, "v1.3.0")
    assert result.returncode == 1
    assert "nothing was restarted or migrated" in result.stderr
    assert git(site["app"], "rev-parse", "HEAD") == before
    lines = log(site)
    assert not any(
        word in line for line in lines for word in ("restart", "stop", "migrate --no-input")
    )


def test_workers_that_do_not_get_ready_without_migrations_are_rolled_back(site):
    before = git(site["app"], "rev-parse", "HEAD")
    result = upgrade(site, "v1.4.0")
    assert result.returncode == 1
    assert "back to the previous release" in result.stderr
    assert git(site["app"], "rev-parse", "HEAD") == before
    assert version(site) == "1.0.0"
    # Restarted on the new release, then again on the previous one.
    assert sum(line == "restart worker 1" for line in log(site)) == 2
    assert not (site["tmp"] / "state" / "last-upgrade").exists()


def test_workers_that_do_not_get_ready_after_migrations_are_not_rolled_back(site):
    result = upgrade(site, "v1.5.0")
    assert result.returncode == 1
    assert "not rolled back" in result.stderr
    assert version(site) == "1.5.0"
    lines = log(site)
    assert position(lines, "manage.py migrate --no-input") < position(lines, "restart worker 1")


def test_a_rollback_by_hand_after_an_upgrade_without_migrations(site):
    assert upgrade(site, "v1.1.0").returncode == 0
    result = upgrade(site, "--rollback")
    assert result.returncode == 0, result.stdout + result.stderr
    assert version(site) == "1.0.0"
    lines = log(site)
    assert position(lines, "-r requirements.lock") < position(lines, "restart worker 1")
    assert upgrade(site, "--rollback").returncode == 1  # nothing left to roll back


def test_local_changes_are_never_overwritten(site):
    (site["app"] / "VERSION").write_text("edited\n")
    result = upgrade(site, "v1.1.0")
    assert result.returncode == 1
    assert "local changes" in result.stderr
