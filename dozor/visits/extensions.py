"""Sections that higher layers add to the visit page (recommendations to verify on site, reprisal
cases to check) without visits importing them: an app registers a provider in its ``ready()``.

A provider takes the request and the visit (already access-checked) and returns ``None`` (nothing
to show this user) or a dict with the ``template`` to include and its context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from dozor.visits.models import Report, Visit

VisitSection = Callable[[HttpRequest, Visit], dict[str, Any] | None]

_SECTIONS: list[VisitSection] = []


def register_visit_section(fn: VisitSection) -> VisitSection:
    if fn not in _SECTIONS:
        _SECTIONS.append(fn)
    return fn


def visit_sections(request: HttpRequest, visit: Visit) -> list[dict[str, Any]]:
    return [section for fn in _SECTIONS if (section := fn(request, visit)) is not None]


# --- recommendations listed in a visit report -----------------------------------------------------

ReportRecommendations = Callable[[Report], list[dict[str, str]]]

_REPORT_RECOMMENDATIONS: list[ReportRecommendations] = []


def register_report_recommendations(fn: ReportRecommendations) -> ReportRecommendations:
    """A provider of the recommendations issued from a report, each as ``{"text": ..., "meta": ...}``
    in the active language (the recommendations app registers one)."""
    if fn not in _REPORT_RECOMMENDATIONS:
        _REPORT_RECOMMENDATIONS.append(fn)
    return fn


def report_recommendations(report: Report) -> list[dict[str, str]]:
    return [item for fn in _REPORT_RECOMMENDATIONS for item in fn(report)]
