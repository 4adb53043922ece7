from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0011_participant_joined_while_open"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="link_version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
