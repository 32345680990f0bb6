# Placeholder reserved for parallel work: operations are filled in by the change that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0005_submission_draft")]

    operations: list = []
