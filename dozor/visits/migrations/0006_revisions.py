from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("visits", "0005_submission_draft")]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="revision",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Grows by one with every saved change.",
                verbose_name="revision",
            ),
        ),
        migrations.AddField(
            model_name="interview",
            name="revision",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Grows by one with every saved change.",
                verbose_name="revision",
            ),
        ),
        migrations.AddField(
            model_name="visit",
            name="revision",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Grows by one with every saved change.",
                verbose_name="revision",
            ),
        ),
    ]
