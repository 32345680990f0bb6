from __future__ import annotations

import pytest

from dozor.api.conftest import PERSONAS
from dozor.standards.models import Instrument, Provision, Theme


def make_standards(n: int = 1, prefix: str = "ZZ") -> list[Provision]:
    """A theme, an instrument and ``n`` provisions with codes of their own (beside the pack's)."""
    theme, _ = Theme.objects.get_or_create(
        code=f"{prefix}_THEME",
        defaults={"name_kk": "Сынақ тақырыбы", "name_ru": "Тестовая тема", "name_en": "Test theme"},
    )
    instrument, _ = Instrument.objects.get_or_create(
        code=f"{prefix}_INSTR",
        defaults={
            "kind": Instrument.Kind.NATIONAL_LAW,
            "name_kk": "Сынақ заңы",
            "name_ru": "Тестовый закон",
            "name_en": "Test law",
            "short_ru": "ТЗ",
            "short_en": "TL",
            "reference": "No. 1 of 1 January 2000",
            "binding": True,
        },
    )
    start = instrument.provisions.count()
    provisions = []
    for i in range(start, start + n):
        provision = Provision(
            code=f"{prefix}-{i}",
            instrument=instrument,
            theme=theme,
            number=str(i),
            title_kk=f"Бап {i}",
            title_ru=f"Статья {i} о Прогулках",
            title_en=f"Article {i} on outdoor Exercise",
            summary_ru="Ежедневная прогулка не менее часа.",
            summary_en="Daily outdoor exercise of at least one hour.",
            sort_order=i,
        )
        provision.search_text = provision.build_search_text()
        provision.save()
        provisions.append(provision)
    return provisions


@pytest.fixture
def provisions(db) -> list[Provision]:
    return make_standards(3)


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("persona", [*PERSONAS, "council"])
@pytest.mark.parametrize(
    ("endpoint", "model"), [("themes", Theme), ("instruments", Instrument), ("provisions", Provision)]
)
def test_it_lists_standards_to_every_staff_role(client_as, provisions, persona, endpoint, model):
    response = client_as(persona).get(f"/api/v1/{endpoint}/", {"page_size": 500})
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["count"] == model.objects.count() > 0


@pytest.mark.parametrize("persona", [*PERSONAS, "council"])
def test_it_retrieves_standards_by_code(client_as, provisions, persona):
    client = client_as(persona)
    paths = [
        "/api/v1/themes/ZZ_THEME/",
        "/api/v1/instruments/ZZ_INSTR/",
        f"/api/v1/provisions/{provisions[0].code}/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == (401 if persona == "anonymous" else 200), path


def test_it_gives_404_for_an_unknown_code(as_monitor, provisions):
    assert as_monitor.get("/api/v1/provisions/NOPE-1/").status_code == 404
    assert as_monitor.get("/api/v1/instruments/NOPE/").status_code == 404
    assert as_monitor.get("/api/v1/themes/NOPE/").status_code == 404


def test_it_refuses_writes(as_coordinator, provisions):
    assert as_coordinator.post("/api/v1/provisions/", {"code": "X"}).status_code == 405
    assert as_coordinator.delete(f"/api/v1/provisions/{provisions[0].code}/").status_code == 405


# ---------------------------------------------------------------- shapes and languages


def test_it_outputs_a_provision_with_texts_in_three_languages(as_monitor, provisions):
    provision = provisions[0]
    provision.see_also.add(provisions[1])
    body = as_monitor.get(f"/api/v1/provisions/{provision.code}/").json()
    assert body["instrument"] == {
        "code": "ZZ_INSTR",
        "name": "Test law",
        "short": "TL",
        "kind": "national_law",
    }
    assert body["theme"]["code"] == "ZZ_THEME"
    assert body["theme"]["name_kk"] and body["theme"]["name_ru"]
    assert body["title"] == body["title_en"] == "Article 0 on outdoor Exercise"
    assert body["title_ru"] and body["title_kk"]
    assert body["summary"] == body["summary_en"]
    assert body["see_also"] == [provisions[1].code]


def test_it_gives_names_in_the_language_of_the_request(as_monitor, provisions):
    code = provisions[0].code
    body = as_monitor.get(f"/api/v1/provisions/{code}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert body["title"] == body["title_ru"]
    assert body["theme"]["name"] == "Тестовая тема"
    instrument = as_monitor.get("/api/v1/instruments/ZZ_INSTR/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert instrument["name"] == "Тестовый закон"
    assert instrument["short"] == "ТЗ"
    # Kazakh short name is missing: the Russian one stands in.
    assert as_monitor.get("/api/v1/instruments/ZZ_INSTR/", HTTP_ACCEPT_LANGUAGE="kk").json()["short"] == "ТЗ"


def test_it_outputs_an_instrument(as_trainer, provisions):
    body = as_trainer.get("/api/v1/instruments/ZZ_INSTR/").json()
    assert body["kind"] == "national_law"
    assert body["binding"] is True
    assert body["unverified"] is False
    assert body["reference"] == "No. 1 of 1 January 2000"
    assert {"name_kk", "name_ru", "name_en", "short_kk", "short_ru", "short_en", "adopted"} <= set(body)


# ---------------------------------------------------------------- filters


def codes(client, **params) -> set[str]:
    body = client.get("/api/v1/provisions/", {"page_size": 500, **params}).json()
    return {row["code"] for row in body["results"]}


def test_it_filters_instruments_by_kind(as_monitor, provisions):
    body = as_monitor.get("/api/v1/instruments/", {"kind": "national_law", "page_size": 500}).json()
    assert "ZZ_INSTR" in {row["code"] for row in body["results"]}
    assert {row["kind"] for row in body["results"]} == {"national_law"}
    assert body["count"] == Instrument.objects.filter(kind="national_law").count()
    assert as_monitor.get("/api/v1/instruments/", {"kind": "nope"}).status_code == 400


def test_it_filters_provisions_by_instrument_and_theme(as_monitor, provisions):
    other = make_standards(1, prefix="YY")[0]
    ours = {p.code for p in provisions}
    assert codes(as_monitor, instrument="ZZ_INSTR") == ours
    assert codes(as_monitor, theme="YY_THEME") == {other.code}
    assert codes(as_monitor, instrument="ZZ_INSTR", theme="YY_THEME") == set()
    assert codes(as_monitor, instrument="NOPE") == set()


def test_it_searches_provisions_in_any_case_and_language(as_monitor, provisions):
    ours = {p.code for p in provisions}
    assert codes(as_monitor, q="OUTDOOR exercise", instrument="ZZ_INSTR") == ours
    assert codes(as_monitor, q="ПРОГУЛКАХ", instrument="ZZ_INSTR") == ours
    assert codes(as_monitor, q="zz-1") == {"ZZ-1"}
    assert codes(as_monitor, q="outdoor nonsenseword") == set()


# ---------------------------------------------------------------- queries


@pytest.mark.parametrize("endpoint", ["themes", "instruments", "provisions"])
def test_it_lists_standards_in_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries, endpoint
):
    make_standards(2)
    with django_assert_max_num_queries(7):
        assert as_coordinator.get(f"/api/v1/{endpoint}/", {"page_size": 500}).status_code == 200
    for p in make_standards(40):
        p.see_also.add(*Provision.objects.exclude(pk=p.pk)[:3])
    with django_assert_max_num_queries(7):
        assert as_coordinator.get(f"/api/v1/{endpoint}/", {"page_size": 500}).status_code == 200
