"""Filter boxes fold behind a summary on phones (web/filter_summary.html, dozor.js foldFilters):
the summary tells how many filters are active, which is what decides whether a phone folds it."""

from __future__ import annotations

import pytest
from django import forms
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from dozor.web.templatetags.web import active_filter_count

pytestmark = pytest.mark.django_db


class ListFilters(forms.Form):
    q = forms.CharField(required=False)
    region = forms.MultipleChoiceField(required=False, choices=[("1", "1"), ("2", "2")])
    mine = forms.BooleanField(required=False)


def test_it_counts_no_filter_on_an_unbound_or_missing_form() -> None:
    assert active_filter_count(None) == 0
    assert active_filter_count(ListFilters()) == 0


def test_it_counts_the_fields_that_hold_a_value() -> None:
    data = QueryDict("q=%20%20&region=1&region=2&mine=on&page=3")  # blank text and paging do not count
    assert active_filter_count(ListFilters(data)) == 2


@pytest.mark.parametrize("url_name", ["visits:list", "recommendations:list"])
def test_it_serves_the_filter_box_open_with_its_active_count(as_coordinator: Client, url_name: str) -> None:
    page = as_coordinator.get(reverse(url_name)).content.decode()
    assert '<details class="filters-fold" data-fold-on-phone open>' in page
    assert 'data-active-filters="0"' in page

    page = as_coordinator.get(reverse(url_name), {"year": "2026"}).content.decode()
    assert 'data-active-filters="1"' in page
