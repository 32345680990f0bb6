from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "dozor.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from dozor.visits import signals

        signals.connect()
