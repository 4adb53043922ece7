"""deploy/backup.sh and deploy/restore.sh: back up, drop, restore, and everything is identical;
encrypted with a real age key pair and copied off the machine, the same."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.conftest import REQUIRE_SERVERS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BACKUP, RESTORE = ROOT / "deploy" / "backup.sh", ROOT / "deploy" / "restore.sh"


def server_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def admin(statement: sql.Composable) -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin_connection:
        admin_connection.execute(statement)


def recreate(name: str) -> None:
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_content(url: str) -> dict[str, list[str]]:
    """Every table's rows (as COPY writes them, sorted) and every sequence's position."""
    content: dict[str, list[str]] = {}
    with psycopg.connect(url) as db:
        tables = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            copy = sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(table))
            with db.cursor().copy(copy) as rows:
                content[table] = sorted(bytes(row).decode() for row in rows)
        content["sequences"] = [
            f"{name} {value}"
            for name, value in db.execute(
                "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
            ).fetchall()
        ]
    return content


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def filled_database(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A database of this test's own, migrated and filled with the demo, and its environment."""
    name = f"{connection.settings_dict['NAME']}_backup"
    recreate(name)
    media = tmp_path / "media"
    (media / "exports" / "2026").mkdir(parents=True)
    (media / "exports" / "2026" / "báo-cáo-quý.pdf").write_bytes(os.urandom(4096))
    (media / "avatar.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(512))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)},
        "DATABASE_URL": server_url(name).replace("postgresql://", "postgres://"),
        "MEDIA_ROOT": str(media),
        "ENV_FILE": str(tmp_path / "no-env-file"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    try:
        yield name, env
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_backup_restored_into_a_dropped_database_is_identical(filled_database, tmp_path):
    name, env = filled_database
    url, media = server_url(name), Path(env["MEDIA_ROOT"])
    before, media_before = database_content(url), files(media)
    assert before["events_event"]
    assert before["dialogue_question"]

    subprocess.run([BACKUP, tmp_path / "backups"], env=env, check=True, capture_output=True)
    [backup] = (tmp_path / "backups").glob("doithoai-*")
    assert sorted(p.name for p in backup.iterdir()) == [
        "COUNTS",
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
    ]

    recreate(name)  # dropped, and created again empty, as an operator would
    subprocess.run(["rm", "-rf", str(media)], check=True)
    assert database_content(url) == {"sequences": []}

    restored = subprocess.run([RESTORE, backup], env=env, capture_output=True, text=True)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "every table's rows and every file match" in restored.stdout
    assert database_content(url) == before
    assert files(media) == media_before


def test_a_damaged_backup_is_refused_and_changes_nothing(filled_database, tmp_path):
    name, env = filled_database
    url = server_url(name)
    subprocess.run([BACKUP, tmp_path / "backups"], env=env, check=True, capture_output=True)
    [backup] = (tmp_path / "backups").glob("doithoai-*")
    before = database_content(url)
    with (backup / "database.dump").open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x01\x02\x03")
    result = subprocess.run([RESTORE, backup], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "FAILED" in result.stderr + result.stdout
    assert database_content(url) == before


@pytest.fixture
def age_keys(tmp_path: Path) -> tuple[Path, str]:
    """A real age key pair: the identity file, and its public key (the recipient)."""
    if shutil.which("age-keygen") is None:
        if REQUIRE_SERVERS:
            pytest.fail("age is not installed (apt-get install age)")
        pytest.skip("age is not installed")
    identity = tmp_path / "backup-age-key"
    made = subprocess.run(
        ["age-keygen", "-o", str(identity)], check=True, capture_output=True, text=True
    )
    recipient = re.search(r"age1[0-9a-z]+", made.stderr)
    assert recipient, made.stderr
    return identity, recipient[0]


def test_an_encrypted_backup_copied_off_the_machine_decrypts_and_restores_identical(
    filled_database, age_keys, tmp_path
):
    name, env = filled_database
    identity, recipient = age_keys
    other_identity = tmp_path / "other-key"
    subprocess.run(["age-keygen", "-o", str(other_identity)], check=True, capture_output=True)
    url, media = server_url(name), Path(env["MEDIA_ROOT"])
    before, media_before = database_content(url), files(media)
    offsite = tmp_path / "offsite"
    offsite.mkdir()
    env = {
        **env,
        # Two recipients: either private key opens the backup.
        "BACKUP_AGE_RECIPIENTS": f"{recipient},{other_recipient(other_identity)}",
        "BACKUP_COPY_TO": f"{offsite}/",
    }

    made = subprocess.run([BACKUP], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    [backup] = (tmp_path / "backups").glob("doithoai-*")
    assert sorted(p.name for p in backup.iterdir()) == [
        "COUNTS",
        "SHA256SUMS",
        "database.dump.age",
        "media.tar.gz.age",
    ]
    # Nothing readable is left: not pg_dump's header, not a file's name.
    for encrypted in ("database.dump.age", "media.tar.gz.age"):
        content = (backup / encrypted).read_bytes()
        assert content.startswith(b"age-encryption.org/v1\n")
        assert b"PGDMP" not in content
        assert "báo-cáo-quý".encode() not in content
    # The same folder, off the machine.
    assert files(offsite / backup.name) == files(backup)
    assert "backup copied to" in made.stdout
    assert (tmp_path / "backups" / "backup.status").read_text().startswith("outcome ok\n")

    recreate(name)
    subprocess.run(["rm", "-rf", str(media)], check=True)

    # Without the private key, or with a key it was not encrypted to: refused, nothing touched.
    no_key = subprocess.run([RESTORE, backup], env=env, capture_output=True, text=True)
    assert no_key.returncode == 2
    assert "encrypted" in no_key.stderr
    wrong = tmp_path / "wrong-key"
    subprocess.run(["age-keygen", "-o", str(wrong)], check=True, capture_output=True)
    refused = subprocess.run(
        [RESTORE, "--identity", wrong, backup], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "does not open" in refused.stderr
    assert database_content(url) == {"sequences": []}
    assert not media.exists()

    # The copy off the machine, with the key from the settings, restores everything.
    copy = offsite / backup.name
    restored = subprocess.run(
        [RESTORE, copy],
        env={**env, "BACKUP_AGE_IDENTITY": str(identity)},
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "every table's rows and every file match" in restored.stdout
    assert database_content(url) == before
    assert files(media) == media_before


def other_recipient(identity: Path) -> str:
    return subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_a_backup_whose_copy_fails_is_kept_here_and_recorded_as_failed(filled_database, tmp_path):
    _name, env = filled_database
    backups = tmp_path / "backups"
    env = {**env, "BACKUP_COPY_TO": str(tmp_path / "no" / "such" / "place") + "/"}
    result = subprocess.run([BACKUP], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "copy to" in result.stderr
    assert "FAILED" in result.stderr
    # The backup itself is complete here, and the alert's status says the run failed.
    [backup] = backups.glob("doithoai-*")
    check = subprocess.run(["sha256sum", "--check", "SHA256SUMS"], cwd=backup, capture_output=True)
    assert check.returncode == 0
    status = (backups / "backup.status").read_text().splitlines()
    assert status[0] == "outcome failed"
    assert status[2] == "last_success 0"


def test_a_restore_whose_dump_cannot_be_read_leaves_the_database_as_it_was(
    filled_database, tmp_path
):
    name, env = filled_database
    url = server_url(name)
    subprocess.run([BACKUP, tmp_path / "backups"], env=env, check=True, capture_output=True)
    [backup] = (tmp_path / "backups").glob("doithoai-*")
    before = database_content(url)
    # A dump cut short whose checksums are made to match: the schema must not be left empty.
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[:2000])
    (backup / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256((backup / f).read_bytes()).hexdigest()}  {f}\n"
            for f in ("database.dump", "media.tar.gz", "COUNTS")
        )
    )
    result = subprocess.run([RESTORE, backup], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert database_content(url) == before
