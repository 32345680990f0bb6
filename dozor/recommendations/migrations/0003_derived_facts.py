# Stored facts for the apps below (planning's risk score, the visit report's "Recommendations"
# section), filled here for existing databases; afterwards kept by recommendations/signals.py
# (the same figures as dozor.recommendations.selectors.open_follow_up / issued_from_reports).

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext


def _pick(obj, field, code):
    for lang in [code] + [c for c in ("ru", "kk", "en") if c != code]:
        value = getattr(obj, f"{field}_{lang}", "")
        if value:
            return str(value)
    return ""


def fill(apps, schema_editor):
    Recommendation = apps.get_model("recommendations", "Recommendation")
    Facility = apps.get_model("facilities", "Facility")
    Report = apps.get_model("visits", "Report")
    follow_up = {}
    rows = Recommendation.objects.filter(status__closed=False, facility__isnull=False).values_list(
        "facility_id", "deadline"
    )
    for facility_id, deadline in rows.iterator():
        follow_up.setdefault(facility_id, []).append(deadline.isoformat() if deadline else "")
    for facility_id, deadlines in follow_up.items():
        Facility.objects.filter(pk=facility_id).update(
            open_recommendations=len(deadlines), open_recommendation_deadlines=sorted(deadlines)
        )
    issued = {}
    recs = Recommendation.objects.filter(report__isnull=False).select_related("authority").order_by("id")
    for rec in recs.iterator():
        item = {f"text_{code}": getattr(rec, f"text_{code}") for code, _name in settings.LANGUAGES}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                parts = [str(rec.get_addressee_display())]
                if rec.authority is not None:
                    parts[0] = f"{parts[0]}: {_pick(rec.authority, 'name', code)}"
                parts += [str(rec.get_priority_display()), str(rec.get_term_display())]
                if rec.deadline:
                    parts.append(gettext("due %(date)s") % {"date": f"{rec.deadline:%d.%m.%Y}"})
                item[f"meta_{code}"] = " · ".join(parts)
        issued.setdefault(rec.report_id, []).append(item)
    for report_id, items in issued.items():
        Report.objects.filter(pk=report_id).update(issued_recommendations=items)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_dashboard_indexes"),
        ("visits", "0004_derived_facts"),
        ("facilities", "0002_facility_derived_facts"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
