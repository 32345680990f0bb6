"""Fold the stored search texts with ``search_fold`` (issue 14), as Provision.build_search_text now builds them."""

from typing import Any

from django.db import migrations

from dozor.core.search import search_join

FIELDS = {
    "Provision": [
        "code",
        "number",
        "title_kk",
        "title_ru",
        "title_en",
        "summary_kk",
        "summary_ru",
        "summary_en",
    ]
}


def rebuild(apps: Any, schema_editor: Any) -> None:
    for model_name, fields in FIELDS.items():
        model = apps.get_model("standards", model_name)
        changed = []
        for obj in model.objects.only("id", "search_text", *fields):
            text = search_join(getattr(obj, name) for name in fields)
            if text != obj.search_text:
                obj.search_text = text
                changed.append(obj)
        model.objects.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
