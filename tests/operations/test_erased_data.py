"""Erased means gone from the database file too: SQLite overwrites what it deletes
(`PRAGMA secure_delete`), and docs/operations.md says how long PostgreSQL keeps it."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

ROOT = Path(__file__).resolve().parents[2]
# A nickname and a phone number, as someone might type them into a question.
ERASED = "Nguyễn Thị Quokka, số điện thoại 0912 345 678"


def left_behind(path: Path, settings_dict: dict[str, Any]) -> bool:
    """Whether a row deleted from a new database at `path`, opened with these connection
    settings, can still be read in the bytes of its file or of its WAL."""
    settings_dict = {**settings_dict, "NAME": str(path)}
    database = DatabaseWrapper(settings_dict, alias="erased")
    needle = ERASED.encode()

    def checkpoint() -> bytes:
        """Every page into the database file, the WAL emptied; the bytes of both."""
        with database.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert cursor.fetchone()[0] == 0  # not busy: the checkpoint was complete
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    try:
        with database.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("CREATE TABLE question (id INTEGER PRIMARY KEY, text TEXT)")
            cursor.executemany(
                "INSERT INTO question (text) VALUES (%s)",
                [(f"Câu hỏi số {n} về thủ tục đất đai",) for n in range(200)],
            )
            cursor.execute("INSERT INTO question (text) VALUES (%s)", [ERASED])
        assert needle in checkpoint()  # it is seen where it is
        with database.cursor() as cursor:
            cursor.execute("DELETE FROM question WHERE text = %s", [ERASED])
            assert cursor.rowcount == 1
        return needle in checkpoint()
    finally:
        database.close()


@pytest.fixture
def sqlite_settings(django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The site's connection settings (config/settings.py), for databases of the test's own."""
    default = connections["default"]
    if default.vendor != "sqlite":
        pytest.skip("SQLite only; PostgreSQL's dead rows are VACUUM's (docs/operations.md)")
    with django_db_blocker.unblock():
        yield copy.deepcopy(default.settings_dict)


def test_a_deleted_row_leaves_no_trace_in_the_sqlite_file(tmp_path, sqlite_settings):
    # Said on every connection: some builds of SQLite (Debian's) have it on by default, others
    # do not, and the site must not depend on which one it runs on.
    commands = sqlite_settings["OPTIONS"]["init_command"].replace(" ", "").lower()
    assert "pragmasecure_delete=on;" in commands
    assert not left_behind(tmp_path / "site.sqlite3", sqlite_settings)


def test_without_secure_delete_the_deleted_row_is_still_in_the_file(tmp_path, sqlite_settings):
    """What the test above would find if the setting were gone, on any build."""
    options = sqlite_settings["OPTIONS"]
    options["init_command"] += " PRAGMA secure_delete=OFF;"
    assert left_behind(tmp_path / "plain.sqlite3", sqlite_settings)


def headings(path: Path) -> list[str]:
    """The numbers of a guide's sections, and the level of each subsection under them."""
    found = []
    for line in path.read_text().splitlines():
        if match := re.match(r"(#{2,3}) (\d+\.)?", line):
            found.append(match[2] or match[1])
    return found


def test_the_operations_guide_says_how_long_postgresql_keeps_erased_data():
    english = ROOT / "docs" / "operations.md"
    vietnamese = ROOT / "docs" / "vi" / "van-hanh.md"
    # The two languages, heading by heading.
    assert headings(english) == headings(vietnamese)
    text = english.read_text()
    section = text[text.index("### Erased data in PostgreSQL") :]
    section = section[: section.index("\n## ")]
    for words in ("VACUUM", "autovacuum", "checkpoint_timeout", "wal_keep_size", "KEEP_DAYS"):
        assert words in section, words
    # The number of days it promises is the backup script's.
    backup = (ROOT / "deploy" / "backup.sh").read_text()
    keep_days = re.search(r"KEEP_DAYS=\$\{KEEP_DAYS:-(\d+)\}", backup)
    assert keep_days
    assert f"`KEEP_DAYS` ({keep_days[1]})" in section
    assert "Dữ liệu đã xóa trong PostgreSQL" in vietnamese.read_text()
