"""The live core knows no app: the apps register what it reads (DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import live
from tests.source import parse

APPS = {"config", "events", "dialogue", "moderation", "consultation", "reports"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_live_package_imports_no_app():
    for path in Path(live.__file__).parent.glob("*.py"):
        for name in imported_modules(path):
            assert name.split(".")[0] not in APPS, f"{path.name} imports {name}"
