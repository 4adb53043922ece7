"""PostgreSQL's unaccent, for search that matches Vietnamese typed without diacritics.

A no-op on SQLite, whose search folds text in Python instead (dialogue/selectors.py).
"""

from django.db import migrations


def create_unaccent(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [("events", "0007_hierarchy_and_catalogue")]

    operations = [migrations.RunPython(create_unaccent, migrations.RunPython.noop)]
