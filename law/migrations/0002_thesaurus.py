"""The first legal thesaurus (law/data/thesaurus.json), which staff then extend in the admin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import migrations

THESAURUS = Path(__file__).resolve().parent.parent / "data" / "thesaurus.json"


def load(apps: Any, schema_editor: Any) -> None:
    SynonymSet = apps.get_model("law", "SynonymSet")
    data = json.loads(THESAURUS.read_text(encoding="utf-8"))
    SynonymSet.objects.bulk_create(
        SynonymSet(terms="\n".join(item["terms"]), note=item.get("note", "")) for item in data
    )


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("law", "SynonymSet").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("law", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
