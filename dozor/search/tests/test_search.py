"""Search finds by word forms in three languages and never shows or counts what a user may not
open (decision 0032)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from dozor.accounts.models import User
from dozor.core.models import Authority, Region
from dozor.recommendations.models import Letter
from dozor.search.models import Entry
from dozor.search.selectors import Filters, highlight, search
from dozor.search.services import search_rebuild
from dozor.search.tests.conftest import World

# What only the NPM's staff read (never liaisons or trainers; monitors only on their visits' team).
NPM_ONLY = {"finding", "report", "recommendation", "response", "letter"}


def kinds_found(user: User, query: str, **filters: object) -> dict[str, int]:
    return search(user, query, filters=Filters(**filters)).counts  # type: ignore[arg-type]


# --- word forms, per kind, in Kazakh, Russian and English ---------------------------------------


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("тюрьмы", "place"),  # ru: "тюрьмы" finds "Тюрьма"
        ("түрмелерде", "place"),  # kk: "in prisons" finds "түрме"
        ("prisons", "place"),  # en
        ("Өскемен", "place"),  # the gazetteer: the place is in Усть-Каменогорск
        ("камера изолятор", "finding"),  # ru forms of "в камерах изолятора"
        ("переполненности помещения", "report"),
        ("прогулка осужденного", "recommendation"),  # ё folded, other case
        ("сотталғандардың серуені", "recommendation"),  # kk genitive and possessive
        ("daily exercises", "recommendation"),
        ("дворик", "response"),
        ("дезинсекция", "letter"),
        ("01-15/777", "letter"),
        ("handbooks detention", "material"),
        ("пыток", "standard"),  # the pack's standards
    ],
)
def test_it_finds_each_kind_by_word_forms(coordinator: User, world: World, query: str, kind: str) -> None:
    assert kinds_found(coordinator, query).get(kind, 0) >= 1


def test_it_ranks_and_links_the_record(coordinator: User, world: World) -> None:
    results = search(coordinator, "дезинсекции", filters=Filters(kind="letter"))
    assert results.count == 1
    assert results.hits[0].url == f"/recommendations/letters/{world.letter.pk}/"
    assert "<mark>дезинсекции</mark>" in results.hits[0].title


# --- access: nobody finds or counts what they cannot open -----------------------------------------


def test_a_council_member_neither_finds_nor_counts_a_secret_visits_finding(
    coordinator: User, council: User, world: World
) -> None:
    assert kinds_found(coordinator, "маршрутолист") == {"finding": 1}
    results = search(council, "маршрутолист")
    assert (results.total, results.counts, results.hits) == (0, {}, [])
    # the same word list does not leak through the substring fallback either
    assert search(council, "маршрутол").total == 0


def test_the_secret_visits_finding_is_found_once_the_visit_has_begun(council: User, world: World) -> None:
    type(world.secret_visit).objects.filter(pk=world.secret_visit.pk).update(
        started_on=datetime.date(2025, 1, 1)
    )
    assert kinds_found(council, "маршрутолист") == {"finding": 1}


def test_a_sensitive_findings_description_is_not_searchable(
    coordinator: User, council: User, world: World
) -> None:
    # Descriptions are encrypted at rest and never indexed: nobody finds one by its words ...
    for user in (coordinator, council):
        assert search(user, "цианокобальтоз").total == 0
    # ... while its title is found by whoever sees the visit.
    assert kinds_found(council, "медицинская помощь").get("finding") == 1


def test_a_council_member_finds_past_findings_and_reports(council: User, world: World) -> None:
    assert kinds_found(council, "изолятора")["finding"] == 1
    assert kinds_found(council, "переполненность")["report"] == 1


def test_a_monitor_off_the_team_finds_no_finding_or_report(monitor: User, world: World) -> None:
    assert NPM_ONLY.isdisjoint(kinds_found(monitor, "изолятора"))
    assert NPM_ONLY.isdisjoint(kinds_found(monitor, "переполненность"))
    assert NPM_ONLY.isdisjoint(kinds_found(monitor, "маршрутолист"))


def test_the_kuis_liaison_finds_its_correspondence_but_no_visit_material(liaison: User, world: World) -> None:
    assert kinds_found(liaison, "дезинсекции") == {"letter": 1}
    assert kinds_found(liaison, "прогулки").get("recommendation") == 1
    assert kinds_found(liaison, "дворики").get("response") == 1
    for query in ("изолятора", "переполненность", "маршрутолист", "медицинская"):
        assert NPM_ONLY.isdisjoint(kinds_found(liaison, query)), query


def test_another_authoritys_liaison_finds_and_counts_nothing(other_liaison: User, world: World) -> None:
    for query in ("дезинсекции", "прогулки", "дворик", "переполненность", "маршрутолист", "01-15/777"):
        counts = search(other_liaison, query).counts
        assert NPM_ONLY.isdisjoint(counts), (query, counts)
    # the KUIS place is not the Ministry of Health's: not found, not counted
    assert "place" not in kinds_found(other_liaison, "тюрьма особого режима")


def test_a_trainer_finds_training_materials_only(trainer: User, world: World) -> None:
    assert kinds_found(trainer, "handbook") == {"material": 1}
    for query in ("дезинсекции", "изолятора", "прогулки", "переполненность", "маршрутолист"):
        assert NPM_ONLY.isdisjoint(kinds_found(trainer, query)), query


# --- filters ---------------------------------------------------------------------------------------


def test_it_filters_by_type_region_authority_and_year(coordinator: User, world: World) -> None:
    east = Region.objects.get(code="EKR")
    kuis = Authority.objects.get(code="KUIS")
    assert kinds_found(coordinator, "дезинсекции", region=east.pk) == {"letter": 1}
    assert kinds_found(coordinator, "дезинсекции", region=Region.objects.exclude(pk=east.pk).first().pk) == {}
    # an authority's subtree: KUIS is under the Interior Ministry
    assert kinds_found(coordinator, "дезинсекции", authority=kuis.parent) == {"letter": 1}
    assert kinds_found(coordinator, "дезинсекции", authority=Authority.objects.get(code="MZ")) == {}
    assert kinds_found(coordinator, "дезинсекции", year=2025) == {"letter": 1}
    assert kinds_found(coordinator, "дезинсекции", year=2024) == {}
    results = search(coordinator, "тюрьма", filters=Filters(kind="place"))
    assert {h.kind for h in results.hits} == {"place"}


# --- keeping the index ----------------------------------------------------------------------------


def test_saves_and_deletes_reach_the_index_after_commit(
    coordinator: User, world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        letter = Letter.objects.create(
            direction=Letter.Direction.INCOMING,
            number="IN-5",
            registered_on=datetime.date(2025, 3, 1),
            authority=Authority.objects.get(code="KUIS"),
            subject="Ответ о канализации",
        )
    assert kinds_found(coordinator, "канализация").get("letter") == 1
    with django_capture_on_commit_callbacks(execute=True):
        letter.subject = "Ответ об отоплении"
        letter.save()
    assert "letter" not in kinds_found(coordinator, "канализация")
    assert kinds_found(coordinator, "отопление").get("letter") == 1
    with django_capture_on_commit_callbacks(execute=True):
        letter.delete()
    assert "letter" not in kinds_found(coordinator, "отопление")


def test_a_rolled_back_write_leaves_the_index_alone(coordinator: User, world: World) -> None:
    # Inside the test's transaction nothing commits: the on-commit refresh never runs.
    Letter.objects.filter(pk=world.letter.pk).update(subject="Иное")
    assert kinds_found(coordinator, "дезинсекции") == {"letter": 1}


def test_rebuild_command_indexes_every_kind(world: World) -> None:
    Entry.objects.all().delete()
    call_command("search", "rebuild", stdout=(out := __import__("io").StringIO()))
    assert "Search: indexed" in out.getvalue()
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert kinds == {
        "place",
        "standard",
        "finding",
        "report",
        "recommendation",
        "response",
        "letter",
        "material",
    }


def test_dry_run_writes_nothing(world: World) -> None:
    before = Entry.objects.count()
    counts = search_rebuild(dry_run=True)
    assert counts["letter"] >= 1 and Entry.objects.count() == before


# --- highlighting is safe -------------------------------------------------------------------------


def test_highlight_escapes_then_marks() -> None:
    marked = highlight("<script>alert(1)</script> Тюрьма", [("тюрьм", True)])
    assert marked == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Тюрьма</mark>"
