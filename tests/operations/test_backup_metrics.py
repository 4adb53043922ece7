"""A backup or restore drill that fails is an alert: its outcome file, served as metrics."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]


def samples() -> dict[str, float]:
    text = Client().get("/metrics").content.decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith(("doithoai_backup", "doithoai_restore_drill"))
    }


def write_status(directory: Path, name: str, code: int) -> None:
    """As the scripts do: deploy/status.sh's write_status."""
    subprocess.run(
        ["bash", "-c", f'. deploy/status.sh && write_status "$1" {code}', "-", directory / name],
        cwd=ROOT,
        check=True,
    )


@pytest.mark.django_db
def test_no_outcome_file_no_series(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    assert samples() == {}


@pytest.mark.django_db
def test_a_good_backup_then_a_failed_one(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    write_status(tmp_path, "backup.status", 0)
    good = samples()
    assert good["doithoai_backup_last_run_ok"] == 1
    assert good["doithoai_backup_last_success_timestamp_seconds"] > 0
    write_status(tmp_path, "backup.status", 1)
    failed = samples()
    assert failed["doithoai_backup_last_run_ok"] == 0
    # The last good one is still known: how long since a good backup, for the other alert.
    assert (
        failed["doithoai_backup_last_success_timestamp_seconds"]
        == good["doithoai_backup_last_success_timestamp_seconds"]
    )
    assert "doithoai_restore_drill_last_run_ok" not in failed
    write_status(tmp_path, "restore-drill.status", 3)
    assert samples()["doithoai_restore_drill_last_run_ok"] == 0
    assert samples()["doithoai_restore_drill_last_success_timestamp_seconds"] == 0


@pytest.mark.django_db
def test_a_damaged_outcome_file_is_no_series(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    (tmp_path / "backup.status").write_text("garbage\n")
    assert samples() == {}


def test_every_series_an_alert_names_exists():
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "doithoai-alerts.yml").read_text())
    rules = {rule["alert"]: rule["expr"] for rule in alerts["groups"][0]["rules"]}
    for name in ("DoithoaiBackupFailed", "DoithoaiBackupMissing", "DoithoaiRestoreDrillFailed"):
        assert name in rules
    series = set(re.findall(r"doithoai_(?:backup|restore_drill)_[a-z_]+", " ".join(rules.values())))
    assert series <= {
        "doithoai_backup_last_run_ok",
        "doithoai_backup_last_success_timestamp_seconds",
        "doithoai_restore_drill_last_run_ok",
        "doithoai_restore_drill_last_success_timestamp_seconds",
    }
