"""Stored codes and pack text are shown in the reader's language, without maintainers' notes."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from dozor.core.i18n import hide_maintainer_notes, pick
from dozor.facilities.models import Occupancy
from dozor.standards.models import provision_number_display
from dozor.training.models import Event
from dozor.web.templatetags.web import without_maintainer_notes


def test_it_translates_provision_numbers() -> None:
    expected = {
        "ru": ("ст. 5", "п. 7", "общие положения"),
        "kk": ("5-бап", "7-тармақ", "жалпы ережелер"),
        "en": ("Art. 5", "para. 7", "general"),
    }
    for lang, (art, para, general) in expected.items():
        with translation.override(lang):
            assert provision_number_display("Art. 5") == art
            assert provision_number_display("para. 7") == para
            assert provision_number_display("general") == general
            assert provision_number_display("43") == "43"


def test_it_shows_the_visit_marker_of_an_occupancy_record_translated() -> None:
    record = Occupancy(note="visit #12")
    with translation.override("ru"):
        assert record.note_display == "посещение № 12"
    with translation.override("kk"):
        assert record.note_display == "№ 12 бару"
    assert Occupancy(note="from the registry").note_display == "from the registry"


def test_it_hides_maintainers_notes_of_pack_text() -> None:
    item = SimpleNamespace(
        description_en="Reactive visit after complaints. Name follows practice [unverified].",
        description_ru="",
        description_kk="",
    )
    with translation.override("en"):
        assert pick(item, "description") == "Reactive visit after complaints. Name follows practice."
    assert hide_maintainer_notes("2 MCI/day (2018) [unverified: check the edition]") == "2 MCI/day (2018)"
    assert without_maintainer_notes("10 MCI/night [verify]") == "10 MCI/night"


def test_it_names_an_events_language_in_the_readers_language() -> None:
    event = Event(language="ru")
    with translation.override("kk"):
        assert event.get_language_display() == "Орыс тілі"
    with translation.override("en"):
        assert event.get_language_display() == "Russian"
    with translation.override("ru"):
        assert Event(language="kk").get_language_display() == "Казахский"
