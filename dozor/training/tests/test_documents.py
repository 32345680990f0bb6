from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from dozor.core.tests.pdf import pdf_text
from dozor.people.models import Organisation, Person
from dozor.people.tests.factories import OrganisationFactory, PersonFactory
from dozor.training import documents, services
from dozor.training.models import Evaluation
from dozor.training.tests.factories import EnrolmentFactory, EventFactory, SessionFactory, at, mark


@pytest.fixture
def certificate(coordinator):  # type: ignore[no-untyped-def]
    event = EventFactory(grants=["npm_foundations"], city="Өскемен")
    person = PersonFactory(last_name="Әбдіқадырова", first_name="Гүлнұр")
    enrolment = EnrolmentFactory(event=event, person=person)
    mark(enrolment, SessionFactory(event=event, starts_at=at(2, 9)), "present")
    return services.certificate_issue(actor=coordinator, enrolment=enrolment, on=datetime.date(2025, 9, 4))


def test_it_renders_the_certificate_in_kazakh(certificate) -> None:  # type: ignore[no-untyped-def]
    html = documents.certificate_html(certificate, "kk")
    assert 'lang="kk"' in html
    for text in ("Әбдіқадырова Гүлнұр", "ҰАТ-тың практикалық аспектілері", "Өскемен", certificate.code):
        assert text in html
    assert f"/verify/{certificate.code}/" in html
    assert "Алдын алу мониторингінің негіздері" in html  # the competency, in Kazakh


def test_it_renders_the_certificate_in_each_language(certificate) -> None:  # type: ignore[no-untyped-def]
    assert "Practical aspects of the NPM" in documents.certificate_html(certificate, "en")
    assert "Практические аспекты НПМ" in documents.certificate_html(certificate, "ru")


def test_it_makes_a_certificate_pdf(certificate, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = documents.certificate_pdf(certificate, "kk")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Әбдіқадырова" in text and certificate.code in text


@pytest.fixture
def programme(db):  # type: ignore[no-untyped-def]
    astana = EventFactory(title_en="Astana seminar")
    aktobe = EventFactory(programme=astana.programme, title_en="Aktobe seminar", city="Aktobe")
    session = SessionFactory(event=astana, starts_at=at(2, 9))
    SessionFactory(event=astana, starts_at=at(2, 11))
    ngo = OrganisationFactory(kind=Organisation.Kind.NGO)
    ministry = OrganisationFactory(kind=Organisation.Kind.MINISTRY)
    one = EnrolmentFactory(event=astana, person=PersonFactory(organisation=ngo))
    EnrolmentFactory(event=astana, person=PersonFactory(organisation=ministry, gender=Person.Gender.MALE))
    EnrolmentFactory(event=aktobe, person=PersonFactory(organisation=ngo))
    mark(one, session, "present")
    for overall in (5, 4):
        Evaluation.objects.create(
            event=astana, overall=overall, relevance=5, trainers=4, submitted_on=datetime.date(2025, 9, 4)
        )
    return astana.programme


def test_it_makes_the_programme_report_xlsx(programme) -> None:  # type: ignore[no-untyped-def]
    book = load_workbook(io.BytesIO(documents.programme_report_xlsx(programme)))
    events = book["Events"]
    rows = list(events.iter_rows(values_only=True))
    header, astana, aktobe = rows
    assert header[0] == "Event"
    by_name = dict(zip(header, astana, strict=True))
    assert by_name["Event"] == "Astana seminar"
    assert by_name["Participants"] == 2
    assert by_name["Attendance (%)"] == 25.0  # one of two sessions for one person, none for the other
    assert (by_name["Evaluations"], by_name["Overall (1-5)"]) == (2, 4.5)
    assert dict(zip(header, aktobe, strict=True))["Attendance (%)"] is None  # no sessions
    people = {row[0]: row[1] for row in book["Participants"].iter_rows(values_only=True) if row[0]}
    assert people["Non-governmental organisation"] == 2
    assert people["Ministry or state body"] == 1
    assert (people["Female"], people["Male"]) == (2, 1)


def test_it_makes_the_programme_report_pdf(programme) -> None:  # type: ignore[no-untyped-def]
    html = documents.programme_report_html(programme, "ru")
    assert "Практические аспекты НПМ" in html
    assert documents.programme_report_pdf(programme, "ru").startswith(b"%PDF")
