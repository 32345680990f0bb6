from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dozor.core"
    label = "core"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from dozor.core import checks  # noqa: F401  (registers Dozor's system checks)
