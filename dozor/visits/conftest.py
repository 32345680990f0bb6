"""Visits for the tests: one on the shipped SIZO checklist, one on a small template made here
(every question type, a condition, a constraint, a repeat) so that checks can be aimed exactly."""

from __future__ import annotations

import datetime

import pytest

from dozor.accounts.models import User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import ChecklistTemplate, TemplateVersion
from dozor.methodology.services import version_build
from dozor.methodology.spec import validate_spec
from dozor.visits.models import Visit
from dozor.visits.services import visit_create


def t(en: str) -> dict[str, str]:
    return {"kk": en, "ru": en, "en": en}


def q(name: str, qtype: str, **extra: object) -> dict[str, object]:
    return {"name": name, "type": qtype, "label": t(name.replace("_", " ")), **extra}


SMALL_SPEC = [
    {
        "code": "general",
        "title": t("General"),
        "questions": [
            q("visit_date", "date", required=True),
            q("holds_women", "yes_no", required=True),
            q("women_separated", "yes_no", required=True, relevant="${holds_women} = 'yes'"),
            q(
                "population",
                "integer",
                constraint=". >= 0",
                constraint_message=t("The value cannot be negative"),
            ),
            q("area", "decimal"),
            q(
                "regime",
                "select_one",
                choices=[
                    {"name": "strict", "label": t("Strict")},
                    {"name": "general", "label": t("General")},
                ],
            ),
            q(
                "problems",
                "select_multiple",
                choices=[
                    {"name": "crowding", "label": t("Crowding")},
                    {"name": "heat", "label": t("Heat")},
                    {"name": "light", "label": t("Light")},
                ],
            ),
            q("notes", "text"),
            q("gps", "geopoint"),
            q("entrance_photo", "photo"),
        ],
    },
    {
        "code": "cell_inspection",
        "title": t("Cells"),
        "repeat": True,
        "repeat_label": t("Cell"),
        "questions": [
            q("cell_number", "text", required=True),
            q("cell_persons", "integer", constraint=". >= 0", constraint_message=t("Not negative")),
            q("cell_window", "yes_no"),
            q("window_note", "text", relevant="${cell_window} = 'no'"),
        ],
    },
    {
        "code": "women",
        "title": t("Women"),
        "relevant": "${holds_women} = 'yes'",
        "questions": [q("women_note", "text")],
    },
]


@pytest.fixture
def small_version(db) -> TemplateVersion:  # type: ignore[no-untyped-def]
    assert validate_spec(SMALL_SPEC) == []
    template = ChecklistTemplate.objects.create(code="tpl_small", name_en="Small", name_ru="Малый")
    return version_build(
        template=template,
        sections=SMALL_SPEC,
        number=3,
        status=TemplateVersion.Status.PUBLISHED,
        source="pack",
    )


@pytest.fixture
def visit(coordinator: User, small_version: TemplateVersion) -> Visit:
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        template_version=small_version,
    )


@pytest.fixture
def sizo_visit(coordinator: User) -> Visit:
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )
