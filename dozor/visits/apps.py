from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "dozor.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from dozor.planning.risk.scores import register_last_visit_source
        from dozor.visits.selectors import last_visit_dates

        register_last_visit_source(last_visit_dates)
