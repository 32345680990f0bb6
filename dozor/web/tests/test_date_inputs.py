"""Every <input type="date"> carries an ISO date (YYYY-MM-DD) whatever the interface language:
browsers discard any other value, so a form in Russian or Kazakh would show its dates empty.

The source is the date input format of each language (dozor/formats): Django renders a date widget
without an explicit format in the first of its language's DATE_INPUT_FORMATS."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

import dozor
from dozor.training.tests.factories import EventFactory

LANGUAGES = ["ru", "kk", "en"]
DAY = datetime.date(2026, 12, 7)
MOMENT = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Asia/Almaty"))
DATE_INPUT = re.compile(r"<input[^>]*\btype=\"date\"[^>]*>")


def all_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the project: those the views import, and every ``forms`` module."""
    get_resolver().url_patterns  # noqa: B018 - importing the views imports their forms
    for module in pkgutil.walk_packages(dozor.__path__, "dozor."):
        if module.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(module.name)

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {cls for cls in subclasses(forms.BaseForm) if cls.__module__.startswith("dozor.")},
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def date_widgets() -> list[tuple[str, forms.Widget]]:
    found = []
    for cls in all_form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            widget = field.widget
            if isinstance(widget, forms.DateInput | forms.DateTimeInput) and widget.input_type in (
                "date",
                "datetime-local",
            ):
                found.append((f"{cls.__module__}.{cls.__qualname__}.{name}", widget))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_renders_every_date_field_of_every_form_in_iso(language: str) -> None:
    widgets = date_widgets()
    assert len(widgets) > 20, "the form classes were not found"
    wrong = []
    with translation.override(language):
        for name, widget in widgets:
            if widget.input_type == "date":
                html, expected = widget.render("when", DAY), 'value="2026-12-07"'
            else:
                html, expected = widget.render("when", MOMENT), 'value="2026-12-07T09:30"'
            if expected not in html:
                wrong.append(f"{name}: {html}")
    assert wrong == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_it_reads_back_the_iso_dates_the_browser_sends(language: str) -> None:
    field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    with translation.override(language):
        assert field.clean("2026-12-07") == DAY
        assert field.clean("07.12.2026") == DAY  # typed by hand where the browser has no date picker


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_it_serves_pages_whose_date_inputs_are_iso(as_coordinator: Client, language: str) -> None:
    """Real pages in Russian and Kazakh: a form whose widget declares no format, with today's date
    as its initial value, and an event's dates."""
    event = EventFactory(starts_on=DAY, ends_on=DAY)
    as_coordinator.cookies["django_language"] = language
    pages = [reverse("recommendations:letter_create"), reverse("training:event_edit", args=[event.pk])]
    today = timezone.localdate().isoformat()
    for url in pages:
        response = as_coordinator.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert f'lang="{language}"' in page
        inputs = DATE_INPUT.findall(page)
        assert inputs, url
        for tag in inputs:
            value = re.search(r'\bvalue="([^"]*)"', tag)
            assert value is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[1]), (url, tag)
    assert f'value="{today}"' in as_coordinator.get(pages[0]).content.decode()
    assert 'value="2026-12-07"' in as_coordinator.get(pages[1]).content.decode()
