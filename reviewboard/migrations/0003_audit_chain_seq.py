"""Numbers the audit chain (``seq``) and makes ``prev_hash`` unique, so the chain cannot fork."""

from django.db import migrations, models


def number_existing_entries(apps, schema_editor):
    AuditEntry = apps.get_model("reviewboard", "AuditEntry")
    for seq, pk in enumerate(AuditEntry.objects.order_by("id").values_list("id", flat=True), start=1):
        AuditEntry.objects.filter(pk=pk).update(seq=seq)


class Migration(migrations.Migration):

    dependencies = [
        ("reviewboard", "0002_board_groups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["seq"], "verbose_name_plural": "audit entries"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(number_existing_entries, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(help_text="Position in the chain, from 1, without gaps.", unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["article", "seq"], name="audit_article_seq_idx"),
        ),
    ]
