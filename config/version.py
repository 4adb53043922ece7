"""The release this code is: the VERSION file, also in CHANGELOG.md and the git tag `v<VERSION>`.

Said by `manage.py version`, by `/healthz` (so a rolling upgrade can see each worker's release)
and by the `doithoai_build_info` series of the metrics.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

VERSION_FILE = Path(__file__).resolve().parent.parent / "VERSION"


@cache
def version() -> str:
    """The release, e.g. `1.0.0`."""
    return VERSION_FILE.read_text().strip()
