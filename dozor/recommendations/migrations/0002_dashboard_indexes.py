"""A covering index for the dashboard's aggregate queries (dozor/recommendations/dashboard/selectors.py).

Every column the dashboard groups, counts or (for liaisons: the report's status) filters by is in
the index (``id`` last, for COUNT), so that on
PostgreSQL its two scans of the recommendations are index-only scans of a ~25 MB index instead of
sequential scans of the table with its three texts (~470 MB at 300,000 recommendations, see
docs/benchmarks.md); ``issued_on`` leads so that the year filter is a range scan.

Written as SQL (valid on PostgreSQL and SQLite) rather than ``Meta.indexes`` so that the model
state does not change: the model file belongs to another part of the work. Moving it into
``Recommendation.Meta.indexes`` later needs ``SeparateDatabaseAndState``.
"""

from django.db import migrations

COLUMNS = "issued_on, status_id, authority_id, facility_id, theme_id, deadline, repeat_of_id, report_id, id"


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX rec_dashboard ON recommendations_recommendation ({COLUMNS})",
            reverse_sql="DROP INDEX rec_dashboard",
        ),
    ]
