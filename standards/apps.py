from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Standards library")

    def ready(self) -> None:
        from standards import pack

        pack.register()
