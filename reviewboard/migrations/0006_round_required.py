import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviewboard", "0005_rounds_for_existing_reviews")]

    operations = [
        migrations.AlterField(
            model_name="assignment",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="assignments", to="reviewboard.reviewround"
            ),
        ),
        migrations.AlterField(
            model_name="signoff",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="signoffs", to="reviewboard.reviewround"
            ),
        ),
    ]
