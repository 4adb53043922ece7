"""`.env.example` names every setting that config/settings.py reads from the environment."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_read_from_the_environment_is_in_the_example():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'(?:env|environment)\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', source))
    for suffix in re.findall(r'f"\{prefix\}_([A-Z_]+)"', source):
        read |= {f"OIDC_{suffix}", f"VNEID_{suffix}"}
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert len(read) > 40
    assert read - listed == set()
