"""The operator's guide names only what exists: the scripts of deploy/ and their options, the
units, the management commands and the settings; in both languages alike, and without sudo.

The guide is the install's documentation and the scripts are the install: a renamed option or
unit, or a setting that is not read, would leave a step that cannot be followed as written.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDES = {"en": ROOT / "docs" / "operations.md", "vi": ROOT / "docs" / "vi" / "van-hanh.md"}
UNITS = {path.name for path in (ROOT / "deploy" / "systemd").iterdir()}
# Names the guide quotes that are not settings: pip's index, and Django's `Invalid HTTP_HOST`.
NOT_OURS = {"PIP_INDEX_URL", "HTTP_HOST"}
# A unit as a command names it: doithoai-tasks, 'doithoai@*', doithoai@1 (quoted or not).
UNIT_WORD = r"""'?doithoai[^\s'")]*'?"""


def code(guide: Path) -> str:
    """Every fenced block and every inline `code` span of the guide, one a line."""
    text = guide.read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return "\n".join([*blocks, *inline])


def script_calls(guide: Path) -> set[str]:
    """`deploy/<script>.sh` and the options given to it, e.g. "deploy/install.sh --no-packages"."""
    calls = set()
    for match in re.finditer(r"deploy/([a-z-]+\.sh)((?:\s+--?[a-z-]+)*)", code(guide)):
        options = tuple(re.findall(r"--?[a-z-]+", match[2]))
        calls.add(" ".join((f"deploy/{match[1]}", *options)))
    return calls


def script_options(script: Path) -> set[str]:
    """The options a script's own parser accepts: the `--name)` arms of its case."""
    return set(
        re.findall(r"^\s*(--?[a-z][a-z-]*)(?:\s*\|\s*--?[a-z-]+)*\)", script.read_text(), re.M)
    )


@pytest.mark.parametrize("language", GUIDES)
def test_every_script_the_guide_runs_exists_and_takes_the_options_given(language):
    calls = script_calls(GUIDES[language])
    assert {call.split()[0] for call in calls} >= {
        "deploy/install.sh",
        "deploy/upgrade.sh",
        "deploy/rolling-restart.sh",
        "deploy/restore.sh",
        "deploy/manage.sh",
    }
    for call in calls:
        name, *options = call.split()
        script = ROOT / name
        assert script.is_file(), call
        assert script.stat().st_mode & 0o111, f"{name} is not executable"
        if name == "deploy/manage.sh":
            continue  # its arguments are manage.py's
        unknown = set(options) - script_options(script)
        assert not unknown, f"{call}: {name} takes no {unknown}"


@pytest.mark.parametrize("language", GUIDES)
def test_every_management_command_the_guide_runs_exists(language):
    from django.core.management import get_commands

    commands = set(re.findall(r"deploy/manage\.sh ([a-z_]+)", code(GUIDES[language])))
    assert {"createsuperuser", "send_test_email"} <= commands
    assert commands <= set(get_commands())


@pytest.mark.parametrize("language", GUIDES)
def test_every_unit_the_guide_names_is_shipped(language):
    text = code(GUIDES[language])
    named = set(re.findall(rf"journalctl((?: -u {UNIT_WORD})+)", text))
    named = {n.strip("'") for group in named for n in group.split() if n != "-u"}
    for command in re.findall(rf"systemctl [a-z-]+(?: --[a-z]+)*((?: {UNIT_WORD})+)", text):
        named |= {name.strip("'") for name in command.split()}
    assert {"doithoai-tasks", "doithoai-backup", "doithoai-restore-drill"} <= named
    # An instance is its template's; a name without a type is a service.
    shipped = {re.sub(r"\.service$", "", unit) for unit in UNITS} | UNITS
    for name in named:
        unit = re.sub(r"@(\d+|\{[^}]*\})", "@", name)
        assert fnmatch.filter(shipped, unit) or fnmatch.filter(shipped, unit.replace("@*", "@")), (
            name
        )


@pytest.mark.parametrize("language", GUIDES)
def test_every_setting_the_guide_names_is_in_the_example(language):
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    named = set(re.findall(r"\b([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)\b", code(GUIDES[language])))
    assert not named - listed - NOT_OURS


@pytest.mark.parametrize("language", GUIDES)
def test_the_guide_uses_no_sudo(language):
    # A fresh Debian 12 has no sudo: every step runs as root, another account through runuser.
    commands = [line for line in code(GUIDES[language]).splitlines() if line != "sudo"]
    assert not re.search(r"(^|[\s`(;&|])sudo\s", "\n".join(commands), flags=re.M)


def test_both_languages_run_the_same_scripts_with_the_same_options():
    assert script_calls(GUIDES["en"]) == script_calls(GUIDES["vi"])


def test_both_languages_give_the_same_commands():
    def commands(guide: Path) -> list[str]:
        # Each fenced block's lines without their comments, in order.
        blocks = re.findall(r"```sh\n(.*?)```", guide.read_text(), flags=re.DOTALL)
        lines = [
            re.sub(r"\s+#.*$", "", line).rstrip() for block in blocks for line in block.split("\n")
        ]
        return [line for line in lines if line and not line.startswith("#")]

    english, vietnamese = commands(GUIDES["en"]), commands(GUIDES["vi"])
    assert len(english) == len(vietnamese)
    for en, vi in zip(english, vietnamese, strict=True):
        # Only a worker's label in a curl format and an example address may differ.
        if en != vi:
            assert re.sub(r'"[^"]*"|\S+@\S+', "", en) == re.sub(r'"[^"]*"|\S+@\S+', "", vi), (
                en,
                vi,
            )
