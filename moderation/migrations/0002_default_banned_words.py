"""A starting list of Vietnamese words that flag a question for the moderators; edit it in the admin."""

from django.db import migrations

WORDS = [
    "đm", "đmm", "dkm", "vcl", "vkl", "vl", "đéo", "địt", "đụ", "lồn", "buồi", "cặc", "đĩ",
    "óc chó", "ngu như chó", "súc vật", "chó chết", "mẹ mày", "bố mày", "thằng chó", "con chó",
    "khốn nạn", "mất dạy", "đồ ngu",
]


def add_words(apps, schema_editor):
    BannedWord = apps.get_model("moderation", "BannedWord")
    for word in WORDS:
        BannedWord.objects.get_or_create(agency=None, phrase=word)


def remove_words(apps, schema_editor):
    apps.get_model("moderation", "BannedWord").objects.filter(agency=None, phrase__in=WORDS).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(add_words, remove_words)]
