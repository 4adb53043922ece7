"""The restore drill (deploy/restore-drill.sh) on the real PostgreSQL: the newest backup into a
scratch database owned by an ordinary role, as production's, its counts compared and reported,
the scratch copies cleared, and production's database and files untouched."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.integration.test_backup import (  # noqa: F401  (the fixture)
    BACKUP,
    admin,
    age_keys,
    database_content,
    files,
    filled_database,
    server_url,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "deploy" / "restore-drill.sh"


@pytest.fixture
def scratch(filled_database):  # type: ignore[no-untyped-def]  # noqa: F811
    """A scratch database owned by a role with no special right, and its URL."""
    name, _env = filled_database
    role, database = f"{name}_drill_role", f"{name}_drill"
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    admin(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    admin(
        sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(database), sql.Identifier(role)
        )
    )
    # The same server, as the ordinary role (no password: the test server trusts loopback).
    url = f"postgresql://{role}@{connection.settings_dict['HOST']}:" + (
        f"{connection.settings_dict['PORT'] or 5432}/{database}"
    )
    try:
        yield url
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as db:
        return [
            row[0]
            for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]


def test_the_drill_restores_into_scratch_copies_reports_matching_counts_and_clears_them(
    filled_database,  # noqa: F811
    scratch,
    tmp_path,
):
    name, env = filled_database
    backups = tmp_path / "backups"
    env = {**env, "BACKUP_DIR": str(backups), "RESTORE_DRILL_DATABASE_URL": scratch}
    subprocess.run([BACKUP], env=env, check=True, capture_output=True)
    production, media = database_content(server_url(name)), files(Path(env["MEDIA_ROOT"]))

    drill = subprocess.run([DRILL], env=env, capture_output=True, text=True)
    assert drill.returncode == 0, drill.stdout + drill.stderr

    [report] = (backups / "drills").glob("restore-drill-*.txt")
    text = report.read_text()
    assert "DIFFERENT" not in text
    assert "public.events_event" in text
    assert "public.dialogue_question" in text
    assert "files" in text
    rows = {
        line.split()[0]: (line.split()[1], line.split()[2])
        for line in text.splitlines()
        if line.startswith("public.")
    }
    assert int(rows["public.events_event"][0]) > 0
    assert all(backed == restored for backed, restored in rows.values())
    assert (backups / "restore-drill.status").read_text().startswith("outcome ok\n")

    # The scratch copies are cleared; production is as it was.
    assert tables(scratch) == []
    assert [p.name for p in (backups / "drills").iterdir()] == [report.name]
    assert database_content(server_url(name)) == production
    assert files(Path(env["MEDIA_ROOT"])) == media


def test_a_drill_on_a_damaged_backup_fails_and_says_so(filled_database, scratch, tmp_path):  # noqa: F811
    _name, env = filled_database
    backups = tmp_path / "backups"
    env = {**env, "BACKUP_DIR": str(backups), "RESTORE_DRILL_DATABASE_URL": scratch}
    subprocess.run([BACKUP], env=env, check=True, capture_output=True)
    [backup] = backups.glob("doithoai-*")
    with (backup / "media.tar.gz").open("r+b") as archive:
        archive.seek(20)
        archive.write(b"\xff\xfe")
    drill = subprocess.run([DRILL], env=env, capture_output=True, text=True)
    assert drill.returncode != 0
    assert "FAILED" in drill.stdout + drill.stderr
    assert (backups / "restore-drill.status").read_text().startswith("outcome failed\n")


def test_the_drill_refuses_production_as_its_scratch_database(filled_database, tmp_path):  # noqa: F811
    _name, env = filled_database
    backups = tmp_path / "backups"
    env = {**env, "BACKUP_DIR": str(backups), "RESTORE_DRILL_DATABASE_URL": env["DATABASE_URL"]}
    subprocess.run([BACKUP], env=env, check=True, capture_output=True)
    drill = subprocess.run([DRILL], env=env, capture_output=True, text=True)
    assert drill.returncode == 2
    assert "production" in drill.stderr


def test_a_failed_backup_is_recorded_for_the_alert(tmp_path):
    backups = tmp_path / "backups"
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "ENV_FILE": str(tmp_path / "no-env-file"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run([BACKUP, backups], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    status = (backups / "backup.status").read_text().splitlines()
    assert status[0] == "outcome failed"
    assert status[2] == "last_success 0"
    assert not list(backups.glob("doithoai-*"))


def test_the_drill_opens_an_encrypted_backup_with_its_key_and_fails_without_it(
    filled_database,  # noqa: F811
    scratch,
    age_keys,  # noqa: F811
    tmp_path,
):
    _name, env = filled_database
    identity, recipient = age_keys
    backups = tmp_path / "backups"
    env = {
        **env,
        "BACKUP_DIR": str(backups),
        "RESTORE_DRILL_DATABASE_URL": scratch,
        "BACKUP_AGE_RECIPIENTS": recipient,
    }
    subprocess.run([BACKUP], env=env, check=True, capture_output=True)
    [backup] = backups.glob("doithoai-*")
    assert (backup / "database.dump.age").exists()

    without = subprocess.run([DRILL], env=env, capture_output=True, text=True)
    assert without.returncode != 0
    assert "BACKUP_AGE_IDENTITY" in without.stderr
    assert (backups / "restore-drill.status").read_text().startswith("outcome failed\n")

    drill = subprocess.run(
        [DRILL], env={**env, "BACKUP_AGE_IDENTITY": str(identity)}, capture_output=True, text=True
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    [report] = (backups / "drills").glob("restore-drill-*.txt")
    assert "DIFFERENT" not in report.read_text()
    assert (backups / "restore-drill.status").read_text().startswith("outcome ok\n")
    assert tables(scratch) == []
