"""`.env.example` is the one reference of the settings: it names every variable the code reads.

The variables are found by reading config/settings.py as Python (every `env.<cast>("NAME")`,
and the names built from a prefix for the identity providers) and the production scripts of
deploy/ (every `${NAME:-default}`). Nothing else is listed, and the guides link to the file
instead of repeating it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.source import parse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
# The loopback topology (the bench and the tests) is not a deployment; ENV_FILE names this file.
NOT_SETTINGS = {"ENV_FILE", "TMPDIR", "PATH", "HOME"}
SCRIPTS = sorted(p for p in (ROOT / "deploy").glob("*.sh") if p.name != "topology.sh")
# What a production install must set: the first section of the file.
PRODUCTION = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "DEFAULT_FROM_EMAIL",
    "PRIVACY_CONTROLLER",
    "WORKERS",
}


def read_by_settings() -> set[str]:
    tree = parse((ROOT / "config" / "settings.py").read_text())
    names: set[str] = set()
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("env", "environment")
            and node.args
        ):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
        elif isinstance(first, ast.JoinedStr):
            # f"{prefix}_CLIENT_ID": the prefixes are the loop's ("OIDC", "VNEID").
            tail = first.values[-1]
            assert isinstance(tail, ast.Constant)
            suffixes.add(str(tail.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and len(node.elts) == 3:
            head = node.elts[0]
            if isinstance(head, ast.Constant) and head.value in ("OIDC", "VNEID"):
                prefixes.add(head.value)
    assert prefixes == {"OIDC", "VNEID"}
    names |= {prefix + suffix for prefix in prefixes for suffix in suffixes}
    return names


def read_by_scripts() -> set[str]:
    names: set[str] = set()
    for script in SCRIPTS:
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", script.read_text()))
    return names - NOT_SETTINGS


def listed() -> list[str]:
    return re.findall(r"^# ([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(), re.M)


def test_every_setting_read_from_the_environment_is_in_the_example():
    read = read_by_settings()
    assert len(read) > 60
    assert read - set(listed()) == set()


def test_every_setting_the_scripts_read_is_in_the_example():
    assert read_by_scripts() - set(listed()) == set()


def test_the_example_lists_nothing_else_and_each_once():
    names = listed()
    assert len(names) == len(set(names)), "listed twice"
    assert set(names) - read_by_settings() - read_by_scripts() == set()


def test_the_first_section_is_what_production_must_set():
    text = EXAMPLE.read_text()
    sections = re.split(r"^# --- ", text, flags=re.M)
    assert sections[1].startswith("Production")
    first = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", sections[1], re.M))
    assert first == PRODUCTION
    # Shown with a production value, never the development one.
    assert "# DEBUG=false" in sections[1]


def test_the_guides_link_to_the_example_instead_of_repeating_it():
    for guide in ("docs/operations.md", "docs/vi/van-hanh.md", "docs/deploy.md"):
        text = (ROOT / guide).read_text()
        assert ".env.example" in text, guide
        blocks = re.findall(r"```(?:sh|ini)?\n(.*?)```", text, flags=re.DOTALL)
        for block in blocks:
            assigned = re.findall(r"^([A-Z][A-Z0-9_]*)=", block, flags=re.M)
            assert len(assigned) < 3, f"{guide} repeats the settings:\n{block}"
