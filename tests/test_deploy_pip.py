"""pip is installed from its own lock before the lock files, wherever they are installed.

Debian 12's own pip (23.0.1) refuses requirements.lock in hash mode: an extra of an indirect
dependency (`fonttools[woff]>=4.59.2`, from weasyprint) counts as a requirement that is not
pinned. A newer pip reads the same lock file; it comes from requirements-pip.lock, itself pinned
and hashed, so even the first install is checked against hashes.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
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


def wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    """A wheel of nothing but its metadata: enough for pip to resolve it."""
    dist = f"{name}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
    if name == "beta":
        metadata += ["Provides-Extra: woff", 'Requires-Dist: gamma>=1.0 ; extra == "woff"']
    files = {
        f"{name}/__init__.py": "",
        f"{dist}/METADATA": "\n".join(metadata) + "\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }

    def digest(text: str) -> str:
        return (
            base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        )

    record = [f"{path},sha256={digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def debian_pip() -> str | None:
    """The version of the pip Debian's own Python puts in a new virtualenv, if it is there."""
    if not Path("/usr/bin/python3").exists():
        return None
    found = subprocess.run(
        ["/usr/bin/python3", "-c", "import ensurepip; print(ensurepip.version())"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() if found.returncode == 0 else None


@pytest.mark.skipif(debian_pip() != str(DEBIAN_12_PIP), reason="not Debian 12's Python here")
def test_debian_12s_own_pip_refuses_a_locked_extra_and_the_locked_pip_installs_it(tmp_path):
    # The blocker, offline: alpha needs beta[woff]>=1.0; the lock pins beta==1.0 with its hash,
    # and a newer beta is on the index (as fonttools 4.69 was beside the locked 4.68).
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    locked = [
        wheel(wheels, "alpha", "1.0", ["beta[woff]>=1.0"]),
        wheel(wheels, "beta", "1.0", []),
        wheel(wheels, "gamma", "1.0", []),
    ]
    wheel(wheels, "beta", "1.1", [])
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "".join(
            f"{path.name.split('-')[0]}=={path.name.split('-')[1]} "
            f"--hash=sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}\n"
            for path in locked
        )
    )
    install = ["install", "--isolated", "--dry-run", "--no-index", "--find-links", str(wheels)]
    install += ["--require-hashes", "-r", str(lock)]

    subprocess.run(["/usr/bin/python3", "-m", "venv", str(tmp_path / "debian")], check=True)
    debian = subprocess.run(
        [str(tmp_path / "debian" / "bin" / "python"), "-m", "pip", *install],
        capture_output=True,
        text=True,
    )
    assert debian.returncode != 0
    assert "all requirements must have their versions pinned with ==" in debian.stderr
    assert "beta[woff]>=1.0" in debian.stderr

    # The pip of requirements-pip.lock (this virtualenv's: `make` installs it from there).
    pinned = re.search(r"^pip==(\S+)", (ROOT / "requirements-pip.lock").read_text(), flags=re.M)
    assert pinned
    ours = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    assert ours.stdout.startswith(f"pip {pinned[1]} ")
    locked_pip = subprocess.run(
        [sys.executable, "-m", "pip", *install], capture_output=True, text=True
    )
    assert locked_pip.returncode == 0, locked_pip.stderr
    assert "Would install alpha-1.0 beta-1.0 gamma-1.0" in locked_pip.stdout
