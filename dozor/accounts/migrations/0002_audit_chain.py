# Placeholder reserved for parallel work: operations are filled in by the change that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations: list = []
