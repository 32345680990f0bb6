"""The search index: one row per findable object, kept by ``dozor.search.services``.

``terms`` holds the folded words and their stems (Russian and English Snowball, Kazakh suffix
stripping), which the database's full-text index reads: an FTS5 table on SQLite, a GIN index over
``to_tsvector('simple', terms)`` on PostgreSQL (both made by migration 0001). ``folded`` is the
whole folded text (gazetteer names included), for the substring fallback (a trigram index on
PostgreSQL when ``pg_trgm`` is available). ``texts`` is what the results page shows, per language.
Nothing here decides who sees a row: every read goes through the owning app's access helpers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    PLACE = "place", pgettext_lazy("search kind", "Places")
    STANDARD = "standard", pgettext_lazy("search kind", "Standards")
    FINDING = "finding", pgettext_lazy("search kind", "Findings")
    REPORT = "report", pgettext_lazy("search kind", "Visit reports")
    RECOMMENDATION = "recommendation", pgettext_lazy("search kind", "Recommendations")
    RESPONSE = "response", pgettext_lazy("search kind", "Authorities' responses")
    LETTER = "letter", pgettext_lazy("search kind", "Letters")
    MATERIAL = "material", pgettext_lazy("search kind", "Training materials")


class Entry(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    url = models.CharField(max_length=300)
    texts = models.JSONField(default=dict)  # {lang: {"title": str, "body": str}}
    terms = models.TextField(default="")
    folded = models.TextField(default="")
    # Plain integers, not foreign keys: the index is rebuilt from the records, never the other way.
    region_id = models.PositiveIntegerField(null=True, blank=True)
    authority_id = models.PositiveIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")]
        indexes = [
            models.Index(fields=["region_id"], name="search_entry_region"),
            models.Index(fields=["authority_id"], name="search_entry_authority"),
            models.Index(fields=["year"], name="search_entry_year"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
