from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("facilities", "0004_search_folding")]

    operations = [
        migrations.AddField(
            model_name="facility",
            name="revision",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Grows by one with every saved change.",
                verbose_name="revision",
            ),
        ),
    ]
