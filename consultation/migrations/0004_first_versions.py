"""Each draft put out before versions existed gets its first version: its text as it stands."""

from django.db import migrations


def first_versions(apps, schema_editor):
    Draft = apps.get_model("consultation", "Draft")
    DraftVersion = apps.get_model("consultation", "DraftVersion")
    ArticleText = apps.get_model("consultation", "ArticleText")
    Clause = apps.get_model("consultation", "Clause")
    for draft in Draft.objects.filter(versions=None):
        version = DraftVersion.objects.create(
            draft=draft, number=1, published_by_id=draft.created_by_id
        )
        texts = []
        for article in draft.articles.order_by("position"):
            clauses = Clause.objects.filter(article=article).order_by("position")
            lines = [article.body] if article.body else []
            lines += [f"{c.number}. {c.text}" for c in clauses]
            texts.append(
                ArticleText(
                    version=version, article=article, title=article.title, text="\n".join(lines)
                )
            )
        ArticleText.objects.bulk_create(texts)


class Migration(migrations.Migration):
    dependencies = [("consultation", "0003_drafts_proposals_versions")]

    operations = [migrations.RunPython(first_versions, migrations.RunPython.noop)]
