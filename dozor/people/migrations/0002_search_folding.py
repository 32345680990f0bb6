"""Fold the stored search texts with ``search_fold`` (issue 14), as the models now build them."""

from typing import Any

from django.db import migrations

from dozor.core.search import search_join

FIELDS = {
    "Organisation": ["name_kk", "name_ru", "name_en"],
    "Person": ["last_name", "first_name", "patronymic"],
}


def rebuild(apps: Any, schema_editor: Any) -> None:
    for model_name, fields in FIELDS.items():
        model = apps.get_model("people", model_name)
        changed = []
        for obj in model.objects.only("id", "search_text", *fields):
            text = search_join(getattr(obj, name) for name in fields)
            if text != obj.search_text:
                obj.search_text = text
                changed.append(obj)
        model.objects.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
