"""The release: VERSION, its notes in CHANGELOG.md, `manage.py version`, and `/healthz`."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
RELEASE = (ROOT / "VERSION").read_text().strip()


def test_the_release_is_one_version_everywhere():
    assert re.fullmatch(r"\d+\.\d+\.\d+", RELEASE)
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == RELEASE


def test_the_changelog_has_notes_for_the_release_with_its_migrations_line():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    sections = re.split(r"^## ", changelog, flags=re.M)[1:]
    assert sections, "no release in CHANGELOG.md"
    newest = sections[0]
    assert newest.startswith(f"{RELEASE} — "), "the newest notes are not VERSION's"
    for section in sections:
        assert re.search(r"^\*\*Migrations:\*\* (online|stop)$", section, flags=re.M), section[:40]
    versions = [section.split()[0] for section in sections]
    assert len(set(versions)) == len(versions)


def test_manage_py_version_says_the_release():
    printed = subprocess.run(
        [sys.executable, "manage.py", "version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert printed.stdout.strip() == RELEASE


@pytest.mark.django_db
def test_healthz_says_the_release():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content.decode() == f"ok {RELEASE}\n"


@pytest.mark.django_db
def test_the_metrics_say_the_release():
    text = Client().get("/metrics").content.decode()
    assert f'doithoai_build_info{{version="{RELEASE}"}} 1.0' in text
