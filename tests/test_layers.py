"""Imports point one way between the apps (docs/architecture.md): the contract in pyproject.toml.

`lint-imports` reads every import, those inside functions too, so an import that runs back up
fails here even when it is tucked inside a function.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", *args],
        cwd=where,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(where), "PATH": str(Path(sys.executable).parent)},
    )


def test_the_apps_import_downwards_only() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_the_contract_catches_an_import_back_up_even_inside_a_function(tmp_path: Path) -> None:
    """The project's own contract, on a tree where events reaches up into moderation."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for package in config["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "events" / "organiser.py").write_text(
        "def start():\n    from moderation import services\n    return services\n"
    )
    (tmp_path / "moderation" / "services.py").write_text("import events\n")
    contract = config["contracts"][0]
    indent = "\n    "
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\n"
        f"root_packages ={indent}{indent.join(config['root_packages'])}\n\n"
        "[importlinter:contract:layers]\n"
        f"name = {contract['name']}\n"
        "type = layers\n"
        f"layers ={indent}{indent.join(contract['layers'])}\n"
    )
    result = lint_imports(tmp_path, "--config", str(tmp_path / ".importlinter"))
    assert result.returncode != 0
    assert "events is not allowed to import moderation" in result.stdout
    assert "events.organiser -> moderation.services" in result.stdout
