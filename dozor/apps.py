from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DozorConfig(AppConfig):
    """The composition root: the package itself, installed last, owns the commands that put the
    apps together (``dozor pack``, composed in dozor/packs.py). It has no models."""

    name = "dozor"
    label = "dozor"
    verbose_name = _("Dozor")
