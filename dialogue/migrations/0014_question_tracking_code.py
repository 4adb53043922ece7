from django.db import migrations, models

import dialogue.models


def give_codes(apps, schema_editor):
    Question = apps.get_model("dialogue", "Question")
    taken = set()
    for question in Question.objects.only("pk").iterator():
        code = dialogue.models.new_tracking_code()
        while code in taken:
            code = dialogue.models.new_tracking_code()
        taken.add(code)
        Question.objects.filter(pk=question.pk).update(tracking_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0013_answer_citations"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="phone",
            field=models.CharField(blank=True, max_length=15, verbose_name="phone number"),
        ),
        # Added empty first: a default in AddField would give every existing question one code.
        migrations.AddField(
            model_name="question",
            name="tracking_code",
            field=models.CharField(
                editable=False, max_length=8, null=True, verbose_name="tracking code"
            ),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="question",
            name="tracking_code",
            field=models.CharField(
                default=dialogue.models.new_tracking_code,
                editable=False,
                max_length=8,
                unique=True,
                verbose_name="tracking code",
            ),
        ),
    ]
