# Checklists filled in online are drafts until finalised (docs/decisions/0011-checklist-drafts.md).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0004_derived_facts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="draft",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Answers saved as a draft and not yet finalised: answers and units per repeat.",
                verbose_name="answers being edited",
            ),
        ),
        migrations.AddField(
            model_name="submission",
            name="draft_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="submission",
            name="draft_saved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="draft saved at"),
        ),
        # Every submission recorded before drafts existed was complete: they stay final.
        migrations.AddField(
            model_name="submission",
            name="status",
            field=models.CharField(
                choices=[("draft", "draft"), ("final", "final")],
                default="final",
                max_length=8,
                verbose_name="status",
            ),
        ),
    ]
