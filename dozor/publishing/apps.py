from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "dozor.publishing"
    label = "publishing"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from dozor.publishing import signals  # noqa: F401  (connects the consent_withdrawn receiver)
