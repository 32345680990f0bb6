# API tokens moved from rest_framework.authtoken (plain text, never expiring) to knox (hashed,
# expiring; docs/decisions/0014-sign-in.md). The old table held every token in plain text: it is
# dropped, not left behind, and its tokens stop working (users create new ones on their account page).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_chain")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
