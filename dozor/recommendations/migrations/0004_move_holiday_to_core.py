# The Holiday model now belongs to core (core.0002_holiday), keeping this app's table
# recommendations_holiday and its rows: the model leaves this app's state only, nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_holiday'),
        ('recommendations', '0003_derived_facts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Holiday')],
            database_operations=[],
        ),
    ]
