from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0005_public_delta_log"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PresenceSample",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("recorded_at", models.DateTimeField(verbose_name="recorded at")),
                ("connected", models.PositiveIntegerField(verbose_name="connected")),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="presence_samples",
                        to="events.event",
                    ),
                ),
            ],
            options={
                "verbose_name": "presence sample",
                "verbose_name_plural": "presence samples",
                "indexes": [
                    models.Index(
                        fields=["event", "recorded_at"], name="dialogue_pr_event_i_137f10_idx"
                    )
                ],
            },
        ),
    ]
