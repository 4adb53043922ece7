"""Every systemd unit in deploy/ runs confined, as docs/operations.md says: its own user, no new
privileges, a read-only system, a private /tmp; and `systemd-analyze security` scores it OK."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).resolve().parents[1] / "deploy" / "systemd").glob("*.service"))
REQUIRED = (
    "User=doithoai",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
    "CapabilityBoundingSet=",
    "SystemCallFilter=@system-service",
)
# systemd-analyze's exposure, times ten: 20 is "2.0", the top of "OK".
THRESHOLD = 20


def test_there_are_units_to_check():
    assert len(UNITS) >= 5


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_each_unit_is_confined(unit: Path):
    lines = {line.strip() for line in unit.read_text().splitlines()}
    missing = [directive for directive in REQUIRED if directive not in lines]
    assert not missing, f"{unit.name} lacks {missing}"


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_analyze_scores_each_unit_ok(unit: Path, tmp_path: Path):
    # A template unit is checked as one of its instances.
    name = unit.name.replace("@.service", "@1.service")
    copy = tmp_path / name
    copy.write_text(unit.read_text())
    result = subprocess.run(
        [
            "systemd-analyze",
            "security",
            "--offline=true",
            f"--threshold={THRESHOLD}",
            "--no-pager",
            str(copy),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
