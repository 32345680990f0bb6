"""Every reprisal case belongs to a protected person (filled in by 0008, in its own transaction:
PostgreSQL refuses to alter a table with pending deferred checks); the actions taken on a case."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import dozor.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0008_protected_persons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="reprisalcase",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="recommendations.protectedperson",
                verbose_name="person",
            ),
        ),
        migrations.CreateModel(
            name="ReprisalAction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("letter", "Letter to the authority"),
                            ("urgent_visit", "Urgent visit"),
                            ("prosecutor", "Referral to the prosecutor"),
                            ("spt", "Communication to the SPT"),
                            ("ombudsman", "Referral to the Ombudsman"),
                            ("other", "Other action"),
                        ],
                        max_length=12,
                        verbose_name="action",
                    ),
                ),
                ("taken_on", models.DateField(verbose_name="taken on")),
                ("note", dozor.core.fields.EncryptedTextField(blank=True, verbose_name="note")),
                ("outcome", dozor.core.fields.EncryptedTextField(blank=True, verbose_name="outcome")),
                ("outcome_on", models.DateField(blank=True, null=True, verbose_name="outcome on")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="actions",
                        to="recommendations.reprisalcase",
                    ),
                ),
            ],
            options={
                "verbose_name": "action on a reprisal case",
                "verbose_name_plural": "actions on reprisal cases",
                "ordering": ["case", "-taken_on", "-id"],
            },
        ),
    ]
