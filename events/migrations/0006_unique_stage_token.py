"""Give every existing dialogue its own stage token, then make the tokens unique."""

import secrets

from django.db import migrations, models

import events.models


def distinct_tokens(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for event in Event.objects.all():
        event.stage_token = secrets.token_urlsafe(24)
        event.save(update_fields=["stage_token"])


class Migration(migrations.Migration):
    dependencies = [("events", "0005_answers_and_stage")]

    operations = [
        migrations.RunPython(distinct_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="stage_token",
            field=models.CharField(
                default=events.models.new_stage_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
