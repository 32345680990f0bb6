from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0002_search_folding")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="revision",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Grows by one with every saved change.",
                verbose_name="revision",
            ),
        ),
    ]
