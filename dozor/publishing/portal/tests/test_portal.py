"""The public portal (dozor.publishing.portal.selectors, views_portal, documents, opendata): anonymous visitors
reach published material only, a withdrawn version disappears everywhere, and nothing that was
redacted from the internal text reaches any public artefact (HTML, PDF, DOCX, feed, open data)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dozor.accounts.models import User
from dozor.core.models import Region
from dozor.core.tests.pdf import pdf_text
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.models import Person
from dozor.publishing.models import PublicReport, Redaction
from dozor.publishing.portal import opendata
from dozor.publishing.portal import selectors as portal
from dozor.publishing.portal import urls as urls_portal
from dozor.publishing.services import public_text as services_public_text
from dozor.recommendations.tests.factories import health_place, recommendation, report_for
from dozor.visits.models import Interview, Report, ReportSection
from dozor.visits.reports.content import build

pytestmark = pytest.mark.django_db

Status = PublicReport.Status
UNPUBLISHED = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.WITHDRAWN)
DOCS = Path(settings.BASE_DIR) / "docs" / "open-data.md"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()  # rendered documents are cached by content; start each test cold
    yield
    cache.clear()


# --- test data ------------------------------------------------------------------------------------


def spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every needle in ``text``, overlapping ones merged."""
    found = []
    for needle in needles:
        start = text.find(needle)
        while needle and start >= 0:
            found.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_report(
    actor: User,
    facility: Facility | None = None,
    *,
    texts: dict[str, str] | None = None,
    started_on: datetime.date = datetime.date(2025, 3, 4),
) -> Report:
    report = report_for(actor, facility or FacilityFactory(), status=Report.Status.APPROVED)
    if started_on != report.visit.started_on:
        type(report.visit).objects.filter(pk=report.visit_id).update(started_on=started_on)
        report.visit.refresh_from_db()
    for key, body in (texts or {"summary": "The group visited the place and spoke with detainees."}).items():
        ReportSection.objects.filter(report=report, key=key).update(body=body)
    return report


def make_version(
    report: Report,
    lang: str = "en",
    *,
    status: str = Status.PUBLISHED,
    redact: Iterable[str] = (),
    published_at: datetime.datetime | None = None,
) -> PublicReport:
    """A public version whose source is the report's text (as the redaction workflow takes it),
    with every occurrence of ``redact`` removed by accepted redactions."""
    source = build(report, lang=lang, internal=False, evidence=False).as_text()
    now = timezone.now()
    version = PublicReport.objects.create(
        report=report,
        lang=lang,
        source=source,
        status=status,
        published_at=(published_at or now) if status in (Status.PUBLISHED, Status.WITHDRAWN) else None,
        withdrawn_at=now if status == Status.WITHDRAWN else None,
    )
    needles = list(redact)
    Redaction.objects.bulk_create(
        Redaction(
            public_report=version,
            section=key,
            start=start,
            end=end,
            original=text[start:end],
            kind=Redaction.Kind.MANUAL,
            state=Redaction.State.ACCEPTED,
        )
        for key, text in source.items()
        for start, end in spans(text, needles)
    )
    return version


def get(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode("utf-8")


def docx_text(data: bytes) -> str:
    """Every text node of every part of the package (body, headers, footers, properties) and every
    attribute value that is not a number or hex code (font signatures, colours, revision ids)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                root = ElementTree.fromstring(package.read(name))
                parts.append(" ".join(root.itertext()))
                parts += [
                    value
                    for element in root.iter()
                    for value in element.attrib.values()
                    if not re.fullmatch(r"[0-9A-Fa-f]+", value)
                ]
    return "\n".join(parts)


def flat(text: str) -> str:
    """Whitespace collapsed and case folded: a name broken over two lines of a PDF still counts."""
    return " ".join(text.split()).casefold()


def data_url(dataset: str, fmt: str) -> str:
    return reverse("public:data", kwargs={"dataset": dataset, "fmt": fmt})


def report_url(version: PublicReport, lang: str | None = None) -> str:
    return reverse("public:report", kwargs={"lang": lang or version.lang, "report_id": version.report_id})


def document_url(version: PublicReport, fmt: str) -> str:
    return reverse(
        "public:document", kwargs={"lang": version.lang, "report_id": version.report_id, "fmt": fmt}
    )


# --- pages ----------------------------------------------------------------------------------------


def test_it_shows_a_published_report_to_anonymous_visitors(anonymous: Client, coordinator: User):
    report = make_report(
        coordinator, texts={"summary": "Cells were clean.\n## Food\nMeals were served cold."}
    )
    version = make_version(report)
    home = body(get(anonymous, reverse("public:home", kwargs={"lang": "en"})))
    assert report.visit.facility.name_en in home and report_url(version) in home
    page = body(get(anonymous, report_url(version)))
    assert "Cells were clean." in page and "<h3>Food</h3>" in page
    assert document_url(version, "pdf") in page and document_url(version, "docx") in page
    assert 'lang="en"' in page and "csrfmiddlewaretoken" not in page and "<script" not in page
    assert reverse("visits:list") not in page and "sidenav" not in page  # no NPM menu


def test_it_sends_the_visitor_to_their_language(anonymous: Client, coordinator: User):
    response = anonymous.get(reverse("public:root"), HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 302 and response["Location"] == reverse(
        "public:home", kwargs={"lang": "kk"}
    )
    version = make_version(make_report(coordinator), "ru")
    response = anonymous.get(reverse("public:report_any", kwargs={"report_id": version.report_id}))
    assert response["Location"] == report_url(version, "ru")  # not published in English: Russian


def test_it_shows_each_language_version_and_says_which_exist(anonymous: Client, coordinator: User):
    report = make_report(coordinator, texts={"summary": "Common summary."})
    make_version(report, "kk")
    ru = make_version(report, "ru")
    page = body(get(anonymous, report_url(ru, "kk")))
    assert 'lang="kk"' in page and "Common summary." in page
    missing = get(anonymous, report_url(ru, "en"), status=404)
    text = body(missing)
    assert "Common summary." not in text  # another language's text is never shown under this URL
    assert report_url(ru, "kk") in text and report_url(ru, "ru") in text
    assert missing["Content-Language"] == "en"


def test_pages_are_cacheable_and_answer_304(anonymous: Client, coordinator: User):
    version = make_version(make_report(coordinator))
    for url in (
        reverse("public:home", kwargs={"lang": "ru"}),
        report_url(version),
        reverse("public:feed"),
        data_url("reports", "json"),
    ):
        response = get(anonymous, url)
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", "") and not response.cookies
        again = anonymous.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, url


def test_only_get_is_allowed(anonymous: Client, coordinator: User):
    version = make_version(make_report(coordinator))
    assert anonymous.post(report_url(version)).status_code == 405


def test_it_filters_by_region_type_and_year(anonymous: Client, coordinator: User):
    karaganda = make_report(coordinator, FacilityFactory(), started_on=datetime.date(2024, 5, 1))
    almaty = make_report(
        coordinator,
        health_place(region=Region.objects.get(code="ALA")),
        started_on=datetime.date(2025, 6, 1),
    )
    make_version(karaganda)
    make_version(almaty)
    url = reverse("public:reports", kwargs={"lang": "en"})

    def listed(**params: str) -> set[int]:
        page = body(get(anonymous, url + "?" + "&".join(f"{k}={v}" for k, v in params.items())))
        return {int(n) for n in re.findall(r"/public/en/reports/(\d+)/", page)}

    assert listed() == {karaganda.pk, almaty.pk}
    assert listed(region="ALA") == {almaty.pk}
    assert listed(type=facility_type("SIZO").code) == {karaganda.pk}
    assert listed(year="2024") == {karaganda.pk}
    assert listed(year="2024", region="ALA") == set()
    assert listed(year="bad") == {karaganda.pk, almaty.pk}


def test_search_looks_in_the_public_text_only(anonymous: Client, coordinator: User):
    report = make_report(coordinator, texts={"summary": "Detainee Qwertyuiop complained about the heating."})
    make_version(report, redact=["Qwertyuiop"])
    other = make_report(coordinator, texts={"summary": "Nothing about heating here, only food."})
    make_version(other)
    url = reverse("public:reports", kwargs={"lang": "en"})
    page = body(get(anonymous, url + "?q=HEATING"))
    assert f"/public/en/reports/{report.pk}/" in page and f"/public/en/reports/{other.pk}/" in page
    assert "complained about the heating" in page  # a snippet of the public text
    # The redacted name is in the internal text but finds nothing: the search would otherwise tell
    # which report names the person.
    page = body(get(anonymous, url + "?q=qwertyuiop"))
    assert f"/public/en/reports/{report.pk}/" not in page and "Qwertyuiop" not in page
    page = body(get(anonymous, url + "?q=" + report.visit.facility.code))
    assert f"/public/en/reports/{report.pk}/" in page


def test_the_place_page_shows_its_published_visits_and_recommendation_statuses(
    anonymous: Client, coordinator: User
):
    facility = FacilityFactory()
    published = make_report(coordinator, facility)
    make_version(published)
    recommendation(coordinator, published, facility=facility, status="implemented")
    recommendation(coordinator, published, facility=facility, status="in_progress")
    hidden = make_report(coordinator, facility, started_on=datetime.date(2025, 9, 9))
    make_version(hidden, status=Status.APPROVED)
    recommendation(
        coordinator, hidden, facility=facility, text="Unpublished recommendation.", status="rejected"
    )
    page = body(get(anonymous, reverse("public:place", kwargs={"lang": "en", "facility_id": facility.pk})))
    assert facility.name_en in page and f"/public/en/reports/{published.pk}/" in page
    assert "Implemented" in page and "In progress" in page
    assert f"/reports/{hidden.pk}/" not in page and "09.09.2025" not in page and "Rejected" not in page
    assert "Ensure every newly admitted person" not in page  # internal text of recommendations


def test_statistics_count_published_reports_once_and_public_recommendations(
    anonymous: Client, coordinator: User
):
    first = make_report(coordinator)
    make_version(first, "ru")
    make_version(first, "kk")
    second = make_report(coordinator, health_place(), started_on=datetime.date(2024, 1, 10))
    make_version(second)
    unpublished = make_report(coordinator)
    make_version(unpublished, status=Status.WITHDRAWN)
    recommendation(coordinator, first, status="implemented")
    recommendation(coordinator, unpublished, status="implemented")
    stats = portal.statistics()
    assert (stats.reports, stats.versions, stats.places, stats.recommendations) == (2, 3, 2, 1)
    assert stats.by_year == [(2025, 1), (2024, 1)]
    assert sorted(n for _t, n in stats.by_type) == [1, 1]
    assert stats.by_language == [("kk", 1), ("ru", 1), ("en", 1)]
    assert [(s.code, n) for s, _o, n in stats.by_status] == [("implemented", 1)]
    page = body(get(anonymous, reverse("public:statistics", kwargs={"lang": "en"})))
    assert "public-totals" in page and "Implemented" in page


def test_the_feed_is_atom_with_published_versions(anonymous: Client, coordinator: User):
    report = make_report(coordinator, texts={"summary": "A summary for the feed."})
    make_version(report, "ru")
    make_version(report, "en")
    make_version(make_report(coordinator), "kk", status=Status.SUBMITTED)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ElementTree.fromstring(get(anonymous, reverse("public:feed")).content)
    entries = root.findall("a:entry", ns)
    assert len(entries) == 2
    assert all("A summary for the feed." in (e.findtext("a:summary", "", ns)) for e in entries)
    only_ru = ElementTree.fromstring(
        get(anonymous, reverse("public:feed_lang", kwargs={"lang": "ru"})).content
    )
    links = [e.find("a:link", ns).get("href") for e in only_ru.findall("a:entry", ns)]  # type: ignore[union-attr]
    assert [link.split("testserver")[-1] for link in links] == [f"/public/ru/reports/{report.pk}/"]


def test_documents_are_the_public_version(anonymous: Client, coordinator: User):
    report = make_report(coordinator, texts={"summary": "Юсуповa Жанна was interviewed. Қазақ мәтіні."})
    version = make_version(report, "kk", redact=["Юсуповa Жанна"])
    pdf = get(anonymous, document_url(version, "pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="public-report-' in pdf["Content-Disposition"]
    text = flat(pdf_text(pdf.content))
    assert flat("[…] was interviewed. Қазақ мәтіні.") in text and "жанна" not in text
    docx = get(anonymous, document_url(version, "docx"))
    words = docx_text(docx.content)
    assert "Қазақ мәтіні." in words and "Жанна" not in words
    assert "CONFIDENTIAL" not in words and "confidential" not in text
    assert get(anonymous, document_url(version, "odt"), status=404)


def test_open_data_follows_the_documented_schema(anonymous: Client, coordinator: User):
    report = make_report(coordinator, texts={"summary": "=HYPERLINK(1) opens the summary."})
    version = make_version(report, "ru")
    made = recommendation(coordinator, report, status="implemented", deadline=datetime.date(2025, 12, 31))
    reports_csv = get(anonymous, data_url("reports", "csv"))
    assert reports_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reports_csv.content.decode("utf-8-sig"))))
    assert list(rows[0]) == opendata.REPORT_COLUMNS
    assert rows[0]["report_id"] == str(report.pk) and rows[0]["language"] == "ru"
    assert rows[0]["url"].endswith(report_url(version))
    reports_json = json.loads(get(anonymous, data_url("reports", "json")).content)
    assert reports_json["dataset"] == "reports" and reports_json["count"] == 1
    item = reports_json["items"][0]
    assert set(item) == set(opendata.REPORT_COLUMNS) | {"sections"}
    assert item["sections"][0] == {"key": "summary", "text": "=HYPERLINK(1) opens the summary."}
    recs = list(
        csv.DictReader(
            io.StringIO(get(anonymous, data_url("recommendations", "csv")).content.decode("utf-8-sig"))
        )
    )
    assert list(recs[0]) == opendata.RECOMMENDATION_COLUMNS
    assert (recs[0]["id"], recs[0]["number"], recs[0]["status"], recs[0]["deadline"]) == (
        str(made.pk),
        "1",
        "implemented",
        "2025-12-31",
    )
    recs_json = json.loads(get(anonymous, data_url("recommendations", "json")).content)
    assert recs_json["items"][0]["status_closed"] in (True, False)
    assert made.text_en not in json.dumps(recs_json)  # internal text stays out of open data
    get(anonymous, data_url("reports", "xml"), status=404)
    get(anonymous, data_url("persons", "csv"), status=404)


def test_every_open_data_field_is_documented():
    documented = DOCS.read_text(encoding="utf-8")
    for name, _meaning in (
        opendata.REPORT_FIELDS + opendata.REPORT_JSON_FIELDS + opendata.RECOMMENDATION_FIELDS
    ):
        assert f"`{name}`" in documented, name
    assert f"schema_version` is {opendata.SCHEMA_VERSION}" in documented


# --- unpublished material is unreachable ---------------------------------------------------------


def portal_urls(report_id: int, facility_id: int) -> list[str]:
    """Every URL of the portal, for every language, with these ids (the walk below checks that
    no pattern is left out)."""
    urls = []
    for pattern in urls_portal.urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = set(pattern.pattern.converters)  # type: ignore[attr-defined]
        kwargs_list: list[dict[str, Any]] = [{}]
        if "lang" in params:
            kwargs_list = [{"lang": code} for code in portal.LANGUAGES]
        if "report_id" in params:
            kwargs_list = [{**k, "report_id": report_id} for k in kwargs_list]
        if "facility_id" in params:
            kwargs_list = [{**k, "facility_id": facility_id} for k in kwargs_list]
        if "dataset" in params:
            kwargs_list = [{**k, "dataset": d} for k in kwargs_list for d in opendata.DATASETS]
        if "fmt" in params:
            formats = opendata.FORMATS if "dataset" in params else ("pdf", "docx")
            kwargs_list = [{**k, "fmt": f} for k in kwargs_list for f in formats]
        urls += [reverse(f"public:{pattern.name}", kwargs=kwargs) for kwargs in kwargs_list]
    return urls


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_unpublished_versions_are_unreachable_everywhere(anonymous: Client, coordinator: User, status: str):
    secret = "Unpublishedsecretword"
    report = make_report(coordinator, texts={"summary": f"{secret} in the summary."})
    for lang in portal.LANGUAGES:
        make_version(report, lang, status=status)
    recommendation(coordinator, report, status="implemented")
    facility = report.visit.facility
    seen = 0
    for url in portal_urls(report.pk, facility.pk):
        response = anonymous.get(url, follow=True)
        text = body(response) if response.status_code == 200 else response.content.decode("utf-8", "replace")
        assert secret not in text, url
        if str(report.pk) in url.split("/") or f"/places/{facility.pk}/" in url:
            assert response.status_code == 404, url
            seen += 1
        else:
            assert response.status_code == 200, url
            assert f"/reports/{report.pk}/" not in text and f"/places/{facility.pk}/" not in text, url
    assert seen == 1 + 3 * (1 + 2 + 1)  # report_any; per language: page, PDF, DOCX, place
    assert portal.statistics().reports == 0
    for dataset in opendata.DATASETS:
        assert json.loads(get(anonymous, data_url(dataset, "json")).content)["count"] == 0


def test_withdrawing_removes_a_version_from_every_page_feed_file_and_search(
    anonymous: Client, coordinator: User
):
    from dozor.publishing.services import public_version_withdraw

    word = "Withdrawablecontent"
    report = make_report(coordinator, texts={"summary": f"{word} of the report."})
    version = make_version(report)
    recommendation(coordinator, report, status="implemented")
    facility_id = report.visit.facility_id
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PUBLISHED)
    everywhere = [
        *portal_urls(report.pk, facility_id),
        reverse("public:reports", kwargs={"lang": "en"}) + f"?q={word}",
    ]

    def reachable() -> dict[str, bool]:
        cache.clear()  # a proxy's copy may live PORTAL_MAX_AGE; the server's may not
        seen = {}
        for url in everywhere:
            response = anonymous.get(url, follow=True)
            text = response.content.decode("utf-8", "replace")
            seen[url] = response.status_code == 200 and (
                f"{word} of the report" in text  # the search box and links repeat the query alone
                or f"/reports/{report.pk}/" in text
                or url.endswith(("pdf", "docx"))
            )
        return seen

    before = reachable()
    assert before[report_url(version)] and before[document_url(version, "pdf")]
    assert before[data_url("reports", "json")] and before[reverse("public:feed")]
    assert before[reverse("public:place", kwargs={"lang": "en", "facility_id": facility_id})]
    public_version_withdraw(actor=coordinator, public_report=version, reason="A name was missed.")
    after = reachable()
    assert not any(after.values()), [url for url, shown in after.items() if shown]
    assert json.loads(get(anonymous, data_url("recommendations", "json")).content)["count"] == 0


# --- the public text ----------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(alphabet="ab c\nәж.", min_size=0, max_size=40),
    cuts=st.lists(st.tuples(st.integers(0, 45), st.integers(1, 12), st.booleans()), max_size=5),
)
def test_batched_public_text_equals_the_services_rule(coordinator: User, text: str, cuts: list[Any]):
    """The portal's batched loading (accepted redactions prefetched for many versions) gives the same
    public text as loading one version's redactions (services.public_text)."""
    report = make_report(coordinator)
    version = PublicReport.objects.create(
        report=report, lang="en", source={"summary": text, "other": text[::-1]}
    )
    for start, length, accepted in cuts:
        Redaction.objects.create(
            public_report=version,
            section="summary",
            start=start,
            end=start + length,
            original="x",
            kind=Redaction.Kind.MANUAL,
            state=Redaction.State.ACCEPTED if accepted else Redaction.State.REJECTED,
            replacement="[…]",
        )
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PUBLISHED)
    PublicReport.objects.filter(pk=version.pk).update(status=Status.PUBLISHED, published_at=timezone.now())
    loaded = portal.published_versions(with_text=True).get(pk=version.pk)
    assert portal.public_text(loaded) == services_public_text(version)


# --- bounded queries ----------------------------------------------------------------------------


def test_pages_run_a_fixed_number_of_queries(anonymous: Client, coordinator: User):
    def publish(n: int) -> None:
        for _i in range(n):
            report = make_report(coordinator, texts={"summary": "Bounded queries text."})
            make_version(report, "en", redact=["queries"])
            make_version(report, "ru")
            recommendation(coordinator, report, status="implemented")

    facility = FacilityFactory()
    first = make_report(coordinator, facility)
    make_version(first)
    recommendation(coordinator, first, status="implemented")
    urls = [
        reverse("public:home", kwargs={"lang": "en"}),
        reverse("public:reports", kwargs={"lang": "en"}),
        reverse("public:reports", kwargs={"lang": "en"}) + "?q=bounded&region=KGD",
        reverse("public:place", kwargs={"lang": "en", "facility_id": facility.pk}),
        reverse("public:statistics", kwargs={"lang": "en"}),
        reverse("public:open_data", kwargs={"lang": "en"}),
        reverse("public:feed"),
        data_url("reports", "json"),
        data_url("reports", "csv"),
        data_url("recommendations", "json"),
        report_url(PublicReport.objects.get(report=first)),
    ]

    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                get(anonymous, url)
            out.append(len(queries))
        return out

    publish(2)
    few = counts()
    publish(5)
    many = counts()
    assert few == many, list(zip(urls, few, many, strict=True))
    assert max(many) <= 8, list(zip(urls, many, strict=True))


# --- must hold: nothing redacted reaches a public artefact ------------------------------------------

NAME = st.text(alphabet="абвгдежзиклмнопрстуфхшэюяәғқңөұүһі", min_size=7, max_size=10).map(str.capitalize)
LATIN = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=7, max_size=10).map(str.capitalize)


@hypothesis_settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking re-renders PDFs for minutes
)
@given(
    last_name=NAME,
    first_name=st.one_of(NAME, LATIN),
    iin=st.from_regex(r"\A[0-9]{12}\Z"),
    interviewee=st.tuples(LATIN, NAME).map(" ".join),
    lang=st.sampled_from(portal.LANGUAGES),
)
def test_no_redacted_identity_survives_into_any_public_artefact(
    coordinator: User, last_name: str, first_name: str, iin: str, interviewee: str, lang: str
):
    client = Client()
    person = Person.objects.create(last_name=last_name, first_name=first_name)
    full_name = f"{person.last_name} {person.first_name}"
    report = make_report(
        coordinator,
        texts={
            "summary": f"The group met {full_name} (IIN {iin}) and {interviewee}. Zebracontrol stays.",
            "conclusions": f"{interviewee} asked that {person.last_name} be protected. Zebracontrol again.",
        },
    )
    Interview.objects.create(
        visit=report.visit,
        code="D-1",
        category=Interview.Category.DETAINEE,
        held_on=report.visit.started_on,
        identity=interviewee,
    )
    recommendation(coordinator, report, status="in_progress", text=f"Protect {full_name}.")
    needles = [full_name, person.last_name, person.first_name, iin, interviewee, *interviewee.split()]
    internal = "\n".join(build(report, lang=lang, internal=False, evidence=False).as_text().values())
    assert full_name in internal and iin in internal and interviewee in internal  # so the test can fail
    version = make_version(report, lang, redact=[full_name, person.last_name, iin, interviewee])
    assert Interview.objects.get(visit=report.visit).identity == interviewee

    artefacts: dict[str, str] = {}
    pages = [
        reverse("public:home", kwargs={"lang": lang}),
        reverse("public:reports", kwargs={"lang": lang}),
        reverse("public:reports", kwargs={"lang": lang}) + "?q=zebracontrol",
        report_url(version),
        reverse("public:place", kwargs={"lang": lang, "facility_id": report.visit.facility_id}),
        reverse("public:statistics", kwargs={"lang": lang}),
        reverse("public:feed"),
        reverse("public:feed_lang", kwargs={"lang": lang}),
        *(data_url(d, f) for d in opendata.DATASETS for f in opendata.FORMATS),
    ]
    for url in pages:
        artefacts[url] = get(client, url).content.decode("utf-8")
    artefacts["pdf"] = pdf_text(get(client, document_url(version, "pdf")).content)
    artefacts["docx"] = docx_text(get(client, document_url(version, "docx")).content)
    for where, text in artefacts.items():
        folded = flat(text)
        for needle in needles:
            assert flat(needle) not in folded, (where, needle)
    # The public text did reach the artefacts that carry it (absence is not an empty document).
    for where in ("pdf", "docx", report_url(version), data_url("reports", "json"), reverse("public:feed")):
        assert "zebracontrol" in flat(artefacts[where]), where


def test_search_finds_a_report_by_its_region_or_city_in_any_spelling(anonymous: Client, coordinator: User):
    """Free text also matches the place's region and settlement, folded and through the gazetteer."""
    karaganda = make_report(coordinator, FacilityFactory(settlement="Темиртау"))
    make_version(karaganda)
    oskemen = make_report(
        coordinator, FacilityFactory(region=Region.objects.get(code="EKR"), settlement="Усть-Каменогорск")
    )
    make_version(oskemen)
    hidden = make_report(coordinator, FacilityFactory(settlement="Караганда"))
    make_version(hidden, status=Status.APPROVED)  # not published: never found
    url = reverse("public:reports", kwargs={"lang": "en"})

    def found(q: str) -> set[int]:
        page = body(get(anonymous, url + "?q=" + q))
        return {int(n) for n in re.findall(r"/public/en/reports/(\d+)/", page)}

    for q in ("Қарағанды", "Караганда", "karaganda", "Карагандинская область", "Temirtau", "Теміртау"):
        assert found(q) == {karaganda.pk}, q
    for q in ("Өскемен", "Усть-Каменогорск", "Oskemen", "ВКО"):
        assert found(q) == {oskemen.pk}, q
    assert found("Павлодар") == set()
