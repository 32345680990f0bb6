"""Build every place's search text again with ``search_fold`` and the gazetteer (issue 14).

The gazetteer is loaded by ``dozor pack load``, which builds the search texts again itself; this
migration folds the texts already stored so that searches work before the next pack load.
"""

from typing import Any

from django.db import migrations

from dozor.core.search import gazetteer_read, search_join


def rebuild(apps: Any, schema_editor: Any) -> None:
    Facility = apps.get_model("facilities", "Facility")
    gazetteer = gazetteer_read(apps.get_model("core", "PlaceName"))
    changed = []
    for f in Facility.objects.only(
        "id", "code", "name_kk", "name_ru", "name_en", "settlement", "region_id", "search_text"
    ):
        parts = [f.code, f.name_kk, f.name_ru, f.name_en, f.settlement]
        parts += gazetteer.variants(settlement=f.settlement, region_id=f.region_id)
        text = search_join(parts)
        if text != f.search_text:
            f.search_text = text
            changed.append(f)
    Facility.objects.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0003_facility_rules"),
        ("core", "0003_placename"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
