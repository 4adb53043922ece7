"""pip is installed from its own lock before the lock files, wherever they are installed.

Debian 12's own pip (23.0.1) refuses requirements.lock in hash mode: an extra of an indirect
dependency (`fonttools[woff]>=4.59.2`, from weasyprint) counts as a requirement that is not
pinned. A newer pip reads the same lock file; it comes from requirements-pip.lock, itself pinned
and hashed, so even the first install is checked against hashes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
DEBIAN_12_PIP = Version("23.0.1")
# Every place that installs a lock file: the guides' blocks, the scripts, the Makefile.
SCRIPTS = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "deploy").glob("*.sh"))
PLACES = ["docs/operations.md", "docs/vi/van-hanh.md", "Makefile", *SCRIPTS]
INSTALL = re.compile(r"pip install\b[^\n]*--require-hashes[^\n]*-r\s+(\S+)")


def blocks(place: str) -> list[str]:
    """The pieces of `place` run as one: each fenced block of a guide; a whole script."""
    text = (ROOT / place).read_text()
    if place.endswith(".md"):
        return re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.DOTALL)
    return [text]


def test_pip_is_pinned_with_its_hashes_above_debian_12s():
    text = (ROOT / "requirements-pip.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.M)
    assert [name for name, _version in pins] == ["pip"]
    assert Version(pins[0][1]) > DEBIAN_12_PIP
    assert re.search(r"--hash=sha256:[0-9a-f]{64}", text)


@pytest.mark.parametrize("place", PLACES)
def test_each_install_of_a_lock_file_comes_after_pip_from_its_own_lock(place):
    found = 0
    for block in blocks(place):
        files = [match[1] for match in INSTALL.finditer(block)]
        for position, name in enumerate(files):
            if name in ("requirements.lock", "requirements-dev.lock"):
                found += 1
                assert "requirements-pip.lock" in files[:position], (place, block)
    if place in ("docs/operations.md", "docs/vi/van-hanh.md", "Makefile"):
        assert found, f"{place} installs no lock file any more: update this test"


@pytest.mark.parametrize("place", PLACES)
def test_no_install_upgrades_pip_unpinned(place):
    text = (ROOT / place).read_text()
    assert not re.search(r"pip install[^\n]*--upgrade pip", text), place
