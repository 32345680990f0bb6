"""The public report reads as a document (findings as lists, no note markers pointing nowhere,
language names in the reader's language) on the page, in the PDF and the DOCX; and the Atom feed
labels its plain text as text, so markup in a place name or a report stays inert."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import User
from dozor.core.tests.pdf import pdf_text
from dozor.facilities.tests.factories import FacilityFactory
from dozor.publishing.documents import blocks, note_numbers
from dozor.publishing.models import PublicReport
from dozor.publishing.portal.tests.test_portal import (
    document_url,
    docx_text,
    flat,
    make_report,
    make_version,
    report_url,
)
from dozor.publishing.services import with_notes

pytestmark = pytest.mark.django_db

FINDINGS = (
    "The group looked at health care.\n"
    "## Health care\n"
    "- [Serious] No doctor on duty (block 2): nobody examined new arrivals [1] [2]\n"
    "- [Minor] Old mattresses (cell 14): worn out [3]\n"
    "- […] was not shown the register"
)
RECOMMENDATIONS = "1. Appoint a doctor (Ministry of Health; high)\n2. Replace the mattresses (Facility; low)"


def _version(coordinator: User, lang: str, other: str = "ru") -> PublicReport:
    report = make_report(coordinator)
    version = make_version(report, lang)
    make_version(report, other)
    source = {"summary": "A short summary.", "findings": FINDINGS, "recommendations": RECOMMENDATIONS}
    PublicReport.objects.filter(report=report).update(source=source)
    version.refresh_from_db()
    cache.clear()
    return version


def test_it_reads_findings_and_recommendations_as_lists() -> None:
    assert blocks(FINDINGS) == [
        ("paragraph", "The group looked at health care."),
        ("heading", "Health care"),
        (
            "list",
            [
                ("Serious", "No doctor on duty (block 2): nobody examined new arrivals", (1, 2)),
                ("Minor", "Old mattresses (cell 14): worn out", (3,)),
                ("", "[…] was not shown the register", ()),
            ],
        ),
    ]
    assert blocks(RECOMMENDATIONS) == [
        (
            "numbered",
            [
                (1, "Appoint a doctor (Ministry of Health; high)"),
                (2, "Replace the mattresses (Facility; low)"),
            ],
        )
    ]


def test_it_shows_the_public_report_as_a_document(anonymous: Client, coordinator: User) -> None:
    version = _version(coordinator, "kk")
    html = anonymous.get(report_url(version)).content.decode()
    assert '<ul class="findings"><li><strong class="label">Serious</strong> — No doctor on duty' in html
    assert '<ol class="numbered"><li value="1">Appoint a doctor' in html
    assert "[1]" not in html and "[3]" not in html and "- [" not in html
    assert 'href="#note-1"' not in html  # this text has no notes: no marker points nowhere
    languages = html.split("<dt>Тілдер</dt>")[1].split("</dd>")[0]
    assert "Қазақ тілі" in languages and "Орыс тілі" in languages and "KK" not in languages


def test_it_names_the_languages_in_russian_for_a_russian_reader(anonymous: Client, coordinator: User) -> None:
    version = _version(coordinator, "ru", other="kk")
    html = anonymous.get(report_url(version)).content.decode()
    languages = html.split("<dt>Языки</dt>")[1].split("</dd>")[0]
    assert "Казахский" in languages and "Русский" in languages and "RU" not in languages


def test_its_pdf_and_docx_hold_the_same_lists(anonymous: Client, coordinator: User) -> None:
    version = _version(coordinator, "en")
    pdf = flat(pdf_text(anonymous.get(document_url(version, "pdf")).content))
    assert flat("Serious — No doctor on duty (block 2): nobody examined new arrivals") in pdf
    assert (
        "[1]" not in pdf
        and "- [serious]" not in pdf
        and flat("Appoint a doctor (Ministry of Health; high)") in pdf
    )
    words = docx_text(anonymous.get(document_url(version, "docx")).content)
    assert "No doctor on duty (block 2): nobody examined new arrivals" in words
    assert "[1]" not in words and "[Serious]" not in words
    assert "ListBullet" in words or "List Bullet" in words  # a real list, not "- " paragraphs


def test_the_feed_labels_plain_text_and_escapes_markup(anonymous: Client, coordinator: User) -> None:
    place = FacilityFactory(
        name_en="<script>alert(1)</script> Colony", name_ru="<script>alert(1)</script> Колония"
    )
    report = make_report(
        coordinator, place, texts={"summary": "Water <b>was</b> cut & <script>x()</script> ran."}
    )
    make_version(report, "en")
    content = anonymous.get(reverse("public:feed")).content
    assert b"<script>" not in content and b'type="html"' not in content
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = ElementTree.fromstring(content).find("a:entry", ns)
    assert entry is not None
    assert "<script>alert(1)</script> Colony" in entry.findtext("a:title", "", ns)
    summary = entry.find("a:summary", ns)
    assert summary is not None and summary.get("type") == "text"
    assert "Water <b>was</b> cut & <script>x()</script> ran." in (summary.text or "")


NOTES = "\n[1] Mandela Rules, rule 24 — Health care\n[2] Mandela Rules, rule 30\n[3] CPT standards, para. 4"


def test_it_reads_notes_and_links_the_findings_to_them() -> None:
    found = blocks(FINDINGS + NOTES)
    assert found[-1] == (
        "notes",
        [
            (1, "Mandela Rules, rule 24 — Health care"),
            (2, "Mandela Rules, rule 30"),
            (3, "CPT standards, para. 4"),
        ],
    )
    assert note_numbers([found]) == [1, 2, 3]


def test_it_renders_the_notes_on_the_page_and_in_the_documents(anonymous: Client, coordinator: User) -> None:
    version = _version(coordinator, "en")
    PublicReport.objects.filter(report=version.report).update(
        source={"summary": "A short summary.", "findings": FINDINGS + NOTES}
    )
    cache.clear()
    html = anonymous.get(report_url(version)).content.decode()
    assert '<a href="#note-1"' in html and '<a href="#note-3"' in html
    assert '<li id="note-1" value="1">Mandela Rules, rule 24 — Health care</li>' in html
    assert "[1]" not in html
    pdf = flat(pdf_text(anonymous.get(document_url(version, "pdf")).content))
    assert flat("Mandela Rules, rule 24 — Health care") in pdf and "[1]" not in pdf
    words = docx_text(anonymous.get(document_url(version, "docx")).content)
    assert "Mandela Rules, rule 30" in words and "[2]" not in words


def test_a_new_public_version_carries_the_standards_cited_as_notes() -> None:
    class Ref:
        def __init__(self, number: int, label: str, title: str = "", source: str = "") -> None:
            self.number, self.label, self.title, self.source = number, label, title, source

    source = {"summary": "S.", "findings": "## Health\n- [Serious] No doctor: none [1]", "annexes": "x"}
    out = with_notes(source, [Ref(1, "Mandela Rules, rule 24", "Health care", "UN 2015")])
    assert out["findings"].endswith("\n[1] Mandela Rules, rule 24 — Health care (UN 2015)")
    assert out["summary"] == "S." and out["annexes"] == "x"
    assert with_notes({"summary": "no markers"}, [Ref(1, "x")]) == {"summary": "no markers"}
