# Stored facts for planning's risk score (it sits below visits and may not read them): each
# place's latest visit carried out, filled here for existing databases; afterwards kept by
# dozor/visits/signals.py.

from django.db import migrations, models
from django.db.models.functions import Coalesce


def fill_last_visits(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Facility = apps.get_model("facilities", "Facility")
    latest = {}
    rows = (
        Visit.objects.exclude(status="planned")
        .annotate(day=Coalesce("ended_on", "started_on"))
        .values_list("facility_id", "started_on", "day")
    )
    for facility_id, started, day in rows.iterator():
        if facility_id not in latest or (day, started) > (latest[facility_id][1], latest[facility_id][0]):
            latest[facility_id] = (started, day)
    for facility_id, (started, day) in latest.items():
        Facility.objects.filter(pk=facility_id).update(last_visit_started_on=started, last_visit_ended_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_visit_record_reports"),
        ("facilities", "0002_facility_derived_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="issued_recommendations",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(fill_last_visits, migrations.RunPython.noop),
    ]
