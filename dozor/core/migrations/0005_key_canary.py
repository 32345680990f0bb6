"""Key canaries (dozor/core/canary.py): created the first time a key id encrypts a value."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_outbox")]

    operations = [
        migrations.CreateModel(
            name="KeyCanary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_id", models.CharField(max_length=40, unique=True, verbose_name="key id")),
                ("token", models.TextField(verbose_name="encrypted canary")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
                ),
            ],
            options={
                "verbose_name": "key canary",
                "verbose_name_plural": "key canaries",
                "ordering": ["created_at"],
            },
        ),
    ]
