# The Holiday model moves from the recommendations app to core (the working-day calendar is shared).
# State only: the table recommendations_holiday, created by recommendations.0001_initial, is kept
# as it is (Meta.db_table) with its rows; recommendations.0004_move_holiday_to_core removes the
# model from that app's state. No table is created, renamed or dropped.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('recommendations', '0001_initial'),  # made the table
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Holiday',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_kk', models.CharField(blank=True, max_length=300, verbose_name='name (Kazakh)')),
                        ('name_ru', models.CharField(blank=True, max_length=300, verbose_name='name (Russian)')),
                        ('name_en', models.CharField(blank=True, max_length=300, verbose_name='name (English)')),
                        ('date', models.DateField(unique=True, verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Public holiday'), ('day_off', 'Day off moved from another day'), ('working_day', 'Weekend day made a working day')], default='holiday', max_length=12, verbose_name='kind')),
                        ('source', models.CharField(blank=True, max_length=300, verbose_name='source')),
                    ],
                    options={
                        'verbose_name': 'holiday',
                        'verbose_name_plural': 'holidays',
                        'db_table': 'recommendations_holiday',
                        'ordering': ['date'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
