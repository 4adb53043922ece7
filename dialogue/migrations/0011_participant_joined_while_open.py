from django.db import migrations, models
from django.db.models import F, Q


def mark_those_who_were_there(apps, schema_editor):
    """Participants so far: there if their dialogue is not over, or they joined before its end.

    No record says when a dialogue actually ended; its scheduled end stands for it.
    """
    Participant = apps.get_model("dialogue", "Participant")
    Participant.objects.filter(
        Q(event__status__in=["draft", "scheduled", "live"])
        | Q(created_at__lte=F("event__ends_at"))
    ).update(joined_while_open=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0010_question_record_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="joined_while_open",
            field=models.BooleanField(
                default=False, verbose_name="joined while the dialogue was open"
            ),
        ),
        migrations.RunPython(mark_those_who_were_there, migrations.RunPython.noop),
    ]
