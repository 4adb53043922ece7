from django.db import migrations, models

import events.models


def give_codes(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    taken = set()
    for event in Event.objects.only("pk").iterator():
        code = events.models.new_join_code()
        while code in taken:
            code = events.models.new_join_code()
        taken.add(code)
        Event.objects.filter(pk=event.pk).update(join_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_people_per_address"),
    ]

    operations = [
        # Added empty first: a default in AddField would give every existing dialogue one code.
        migrations.AddField(
            model_name="event",
            name="join_code",
            field=models.CharField(editable=False, max_length=8, null=True, verbose_name="join code"),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="join_code",
            field=models.CharField(
                default=events.models.new_join_code,
                editable=False,
                max_length=8,
                unique=True,
                verbose_name="join code",
            ),
        ),
    ]
