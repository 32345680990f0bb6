"""International and national standards that monitors judge what they see against."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from dozor.core.i18n import pick
from dozor.core.models import CodedReference
from dozor.core.search import search_join


class Theme(CodedReference):
    """A thematic area of monitoring (APT): treatment, safeguards, material conditions..."""

    class Meta(CodedReference.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Instrument(CodedReference):
    class Kind(models.TextChoices):
        UN_TREATY = "un_treaty", _("UN treaty")
        UN_STANDARD = "un_standard", _("UN standard or guideline")
        REGIONAL = "regional", _("Regional standard")
        NATIONAL_LAW = "national_law", _("National law")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    short_kk = models.CharField(max_length=120, blank=True)
    short_ru = models.CharField(max_length=120, blank=True)
    short_en = models.CharField(max_length=120, blank=True)
    adopted = models.CharField(_("adopted"), max_length=20, blank=True)
    reference = models.CharField(_("official reference"), max_length=300, blank=True)
    binding = models.BooleanField(_("legally binding"), default=False)
    unverified = models.BooleanField(_("details not verified"), default=False)

    class Meta(CodedReference.Meta):
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    @property
    def short(self) -> str:
        return pick(self, "short") or self.name


_NUMBER = re.compile(r"^(Art|para)\.\s*(\S.*)$")


def provision_number_display(number: str) -> str:
    found = _NUMBER.match(number.strip())
    if found is not None:
        kind, rest = found.groups()
        if kind == "Art":
            return gettext("Art. %(number)s") % {"number": rest}
        return gettext("para. %(number)s") % {"number": rest}
    if number.strip() == "general":
        return pgettext("provision number", "general")
    return number


class Provision(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="provisions"
    )
    number = models.CharField(_("number"), max_length=40)
    title_kk = models.CharField(max_length=300, blank=True)
    title_ru = models.CharField(max_length=300, blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    summary_kk = models.TextField(blank=True)
    summary_ru = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="provisions"
    )
    see_also = models.ManyToManyField("self", verbose_name=_("see also"), blank=True, symmetrical=True)
    sort_order = models.PositiveIntegerField(default=0)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["instrument__sort_order", "sort_order", "code"]
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")

    def __str__(self) -> str:
        return f"{self.instrument.short} {self.number_display}"

    @property
    def number_display(self) -> str:
        """The number in the reader's language: the pack stores "Art. 5", "para. 7", "general"."""
        return provision_number_display(self.number)

    @property
    def title(self) -> str:
        return pick(self, "title")

    @property
    def summary(self) -> str:
        return pick(self, "summary")

    def build_search_text(self) -> str:
        parts = [self.code, self.number, self.title_kk, self.title_ru, self.title_en]
        parts += [self.summary_kk, self.summary_ru, self.summary_en]
        return search_join(parts)
