"""When clinical significance was assessed: at approval until now (so the backfill is the approval
time), and from now on also later, by the chair, for an approval completed by a sign-off. The
What's new feed is ordered by it, so a late assessment still reaches clients that polled since."""

from django.db import migrations, models
from django.db.models import F


def assessed_at_approval(apps, schema_editor):
    PublishedVersion = apps.get_model("articles", "PublishedVersion")
    PublishedVersion.objects.filter(clinically_significant__isnull=False).update(significance_assessed_at=F("approved_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_what_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedversion",
            name="significance_assessed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the chair assessed clinical significance: the order of the What's new feed.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="publishedversion",
            name="clinically_significant",
            field=models.BooleanField(
                blank=True,
                help_text="Marked by the chair at approval, or afterwards for an approval completed by a sign-off "
                "(empty: not assessed yet).",
                null=True,
            ),
        ),
        migrations.RunPython(assessed_at_approval, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="publishedversion", name="version_significant_idx"),
        migrations.AddIndex(
            model_name="publishedversion",
            index=models.Index(
                condition=models.Q(("clinically_significant", True)),
                fields=["significance_assessed_at"],
                name="version_significant_idx",
            ),
        ),
    ]
