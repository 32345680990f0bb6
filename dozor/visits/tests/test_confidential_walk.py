"""The must-hold proof for confidential material (design.md, docs/permissions.md):

    A monitor not on the visit, a liaison and anonymous users cannot read interviews or evidence
    by any page, API, export, search or file URL.

A visit is set up with a team monitor, an interview whose code, notes, identity and quotable
excerpt are distinctive strings, an evidence file with distinctive bytes and name, a finding
citing the evidence, and a report with a saved version. Then EVERY URL pattern of the project is
requested with GET - each id-like argument filled with the id of every object made here, string
arguments with the codes and names that could select confidential rows - plus every argument-free
page with ``?q=`` each distinctive string (the search boxes and filtered lists and exports), as each
outsider persona. No response (body, unpacked archives, headers) may contain any of the strings.

The positive controls at the end show that the same reading finds the strings where they belong
(the visit page and the interview page for the team and coordinators, the file download), so the
walk cannot pass by reading nothing.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

from conftest import client_for, make_user
from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.standards.models import Theme
from dozor.visits.evidence.services import evidence_upload
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews.services import interview_record, interview_update
from dozor.visits.models import Evidence, Finding, Interview, Report, Visit
from dozor.visits.reports.services import comment_add, report_start, version_save
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

CODE = "ZQX-4417"
NOTES = "Notes ZQXNOTES beaten in the shower room by the night shift"
IDENTITY = "Identity ZQXIDENT Aigerim Seitkali born 1990"
EXCERPT = "Excerpt ZQXQUOTE they took our blankets away"
FILE_NAME = "ZQXFILE-medical-act.pdf"
MARKER = b"ZQXBYTES-evidence-content"
PDF = b"%PDF-1.4\n% " + MARKER + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Patterns not requested, each with the reason. Everything else is walked.
SKIPPED = {
    "accounts:logout": "ends the session (and is POST-only); the rest of the walk would run signed out",
}
# Query strings that select another output of a page (every page is also walked without them).
EXTRA_QUERIES = {
    "visits:report_document": ["?format=pdf", "?format=docx", "?format=docx&lang=ru"],
    "visits:report_diff": ["?a=1", "?a=1&b=1"],
    "training:programme_pdf": ["?lang=en"],
    "training:certificate_pdf": ["?lang=en"],
}
# Also skipped: DRF's format-suffix twins of every API route ("/api/v1/findings.json"): the same
# views as the routes without the suffix (JSON is the only renderer but for the XLSForm download).


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or the route when unnamed
    parts: tuple[Any, ...]  # RoutePattern / RegexPattern / LocalePrefixPattern objects, outermost first
    default_kwargs: dict[str, Any]

    @property
    def args(self) -> list[tuple[str, str]]:
        """(name, kind) of every argument: kind is a converter name or "regex"."""
        result: list[tuple[str, str]] = []
        for part in self.parts:
            if isinstance(part, RoutePattern):
                result += [(name, _converter_kind(conv)) for name, conv in part.converters.items()]
            elif isinstance(part, RegexPattern):
                result += [(name, "regex") for name in part.regex.groupindex]
        return [(name, kind) for name, kind in result if name not in self.default_kwargs]

    def url(self, values: dict[str, str]) -> str:
        path = ""
        for part in self.parts:
            if isinstance(part, RoutePattern):
                path += re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], str(part))
            elif isinstance(part, RegexPattern):
                text = str(part).lstrip("^").rstrip("$").replace("/?", "/").replace("\\.", ".")
                path += re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], text)
            else:  # a locale prefix: empty for the default language
                path += str(getattr(part, "language_prefix", ""))
        return "/" + path


def _converter_kind(converter: Any) -> str:
    return type(converter).__name__.removesuffix("Converter").lower()  # "int", "str", "path", "slug"


def _patterns(
    entries: list[Any],
    parts: tuple[Any, ...] = (),
    namespace: str = "",
    defaults: dict[str, Any] | None = None,
) -> Iterator[Pattern]:
    for entry in entries:
        own = entry.default_kwargs if isinstance(entry, URLResolver) else entry.default_args
        kwargs = {**(defaults or {}), **(own or {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, (*parts, entry.pattern), inner, kwargs)
        elif isinstance(entry, URLPattern):
            name = (
                f"{namespace}:{entry.name}".strip(":")
                if entry.name
                else "".join(map(str, (*parts, entry.pattern)))
            )
            yield Pattern(name=name, parts=(*parts, entry.pattern), default_kwargs=kwargs)


def every_pattern() -> list[Pattern]:
    return list(_patterns(get_resolver().url_patterns))


# ---------------------------------------------------------------- the confidential visit


@dataclass
class World:
    visit: Visit
    interview: Interview
    evidence: Evidence
    finding: Finding
    report: Report
    evidence_bytes: bytes
    team_monitor: User
    coordinator: User
    ids: list[str]  # every id of every object made here
    strings: dict[str, list[str]]  # argument kind -> values to try

    @property
    def secrets(self) -> dict[str, bytes]:
        return {
            "interview code": CODE.encode(),
            "interview notes": b"ZQXNOTES",
            "interview identity": b"ZQXIDENT",
            "interview excerpt": b"ZQXQUOTE",
            "evidence file name": FILE_NAME.encode(),
            "evidence bytes": MARKER,
            "evidence sha256": self.evidence.sha256.encode(),
            "evidence as base64": base64.b64encode(self.evidence_bytes),
            "evidence storage name": Path(self.evidence.file.name).name.encode(),
        }


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(coordinator: User, monitor: User) -> World:
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )
    visit.ended_on = datetime.date(2025, 3, 2)
    visit.save(update_fields=["ended_on"])
    values: dict[str, Any] = {
        "code": CODE,
        "category": Interview.Category.DETAINEE,
        "held_on": datetime.date(2025, 3, 1),
        "at_risk": True,
        "notes": NOTES,
        "identity": IDENTITY,
    }
    # The excerpt may go into the report: report pages are walked with it.
    interview = interview_record(
        actor=monitor, visit=visit, consents=["quote_authority", "quote_public", "follow_up"], **values
    )
    interview = interview_update(actor=monitor, interview=interview, excerpt=EXCERPT, **values)
    evidence = evidence_upload(
        actor=monitor,
        visit=visit,
        uploaded_file=SimpleUploadedFile(FILE_NAME, PDF, content_type="application/pdf"),
        kind=Evidence.Kind.DOCUMENT,
        description="Register of injuries",
    )
    finding = finding_create(
        actor=monitor,
        visit=visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.SERIOUS,
        title="Injuries not registered",
        description="The register of injuries is not kept.",
        sources=[Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        evidence=[evidence],
    )
    report = report_start(actor=coordinator, visit=visit)
    version = version_save(actor=coordinator, report=report, reason="walk")
    section = report.sections.order_by("id").first()
    assert section is not None
    comment = comment_add(actor=coordinator, section=section, body="Shorten the summary.")
    from dozor.visits.evidence.services import evidence_content  # sealed at rest: opened to check

    stored = evidence_content(evidence)
    assert MARKER in stored  # a PDF is kept as uploaded (sealed at rest, decision 0022)
    rows: list[Any] = [
        visit,
        interview,
        evidence,
        finding,
        report,
        version,
        visit.facility,
        *visit.team.all(),
        section,  # one section stands for all (the same rows)
        comment,
        *visit.submissions.all(),
    ]
    ids = sorted({str(row.pk) for row in rows}, key=int)
    codes = [CODE, visit.facility.code, evidence.sha256, FILE_NAME]
    return World(
        visit=visit,
        interview=interview,
        evidence=evidence,
        finding=finding,
        report=report,
        evidence_bytes=stored,
        team_monitor=monitor,
        coordinator=coordinator,
        ids=ids,
        strings={
            "str": codes,
            "slug": [CODE, visit.facility.code],
            "path": [Path(evidence.file.name).name, FILE_NAME],  # no "/": echoes are told apart below
            "uuid": ["00000000-0000-0000-0000-000000000000"],
        },
    )


def _values_for(name: str, kind: str, world: World) -> list[str]:
    if kind == "int" or name in {"pk", "id"} or name.endswith(("_pk", "_id")):
        return world.ids
    if kind == "formatsuffix":  # DRF's "<drf_format_suffix:format>" includes the dot
        return [".json"]
    if name == "format":
        return ["json"]
    if name == "fmt":
        return ["csv", "xlsx", "pdf", "docx"]
    if name == "kind":
        return ["pre", "post"]
    if name in {"lang", "language"}:
        return ["en", "ru", "kk"]
    if name == "action":  # an account action (POST only; a GET must give nothing away either)
        return ["deactivate", "reactivate", "reset-password", "reset-mfa"]
    return world.strings.get(kind, world.strings["str"])


@dataclass(frozen=True)
class Walk:
    urls: list[str]  # every GET-able URL with its arguments filled in
    lists: list[str]  # the URLs without arguments: searched with ?q= where they answer 200
    searches: list[str]  # the values to search for
    sent: list[str]  # every string put into a URL (arguments and searches)


def urls_to_walk(world: World) -> Walk:
    """Every GET-able URL of the project with the ids and strings filled in, and the searches."""
    urls: list[str] = []
    lists: list[str] = []
    unbuildable: list[str] = []
    for pattern in every_pattern():
        if pattern.name in SKIPPED:
            continue
        args = pattern.args
        if any(name == "format" for name, _ in args):
            continue  # a format-suffix twin: see the note under SKIPPED
        choices = [_values_for(name, kind, world) for name, kind in args]
        built = 0
        for combo in product(*choices):
            url = pattern.url(dict(zip([name for name, _ in args], combo, strict=True)))
            try:
                resolve(url)
            except Resolver404:
                continue
            urls += [url, *(url + query for query in EXTRA_QUERIES.get(pattern.name, []))]
            built += 1
        if not built:
            unbuildable.append(pattern.name)
        if not args:
            lists.append(pattern.url({}))
    # An id that fits no route is fine (DRF's "<pk>" accepts anything); a pattern never built is not.
    assert unbuildable == [], f"URL patterns the walk could not fill in: {unbuildable}"
    names = {pattern.name for pattern in every_pattern()}
    assert set(EXTRA_QUERIES) <= names and set(SKIPPED) <= names  # the lists name real patterns
    searches = [CODE, "ZQXNOTES", "ZQXIDENT", "ZQXQUOTE", FILE_NAME, world.evidence.sha256]
    sent = sorted({*searches, *(value for values in world.strings.values() for value in values)})
    return Walk(urls=urls, lists=lists, searches=searches, sent=sent)


def _read(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        response.close()
    else:
        body = response.content
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
    parts = [head, body]
    if body.startswith(b"PK"):  # xlsx, docx, zip exports: read every member
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                parts += [archive.read(member) for member in archive.namelist()]
        except zipfile.BadZipFile:
            pass
    if body.startswith(b"%PDF"):  # best effort: compressed content streams
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
            with contextlib.suppress(zlib.error):
                parts.append(zlib.decompress(stream))
    return b"\n".join(parts)


def _leaks(body: bytes, secrets: dict[str, bytes]) -> list[str]:
    lower = body.lower()
    return [label for label, secret in secrets.items() if secret.lower() in lower]


def _probe(value: str) -> str:
    """A value of the same shape that matches nothing: what a page echoes of it is not a leak."""
    return "ZQY" + value[3:] if value.upper().startswith("ZQX") else value[::-1]


def _get(client: Client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    return response.status_code, _read(response)


def _check(client: Client, url: str, secrets: dict[str, bytes], sent: list[str]) -> tuple[int, list[str]]:
    """GET ``url``; the labels of the secrets in the response. A secret that is part of the URL
    itself (a searched word, a code in the path) counts only if the response holds it more often
    than the response to the same URL with a same-shaped probe instead (404 pages, search boxes
    and language links echo what was asked)."""
    code, body = _get(client, url)
    found = _leaks(body, secrets)
    for label in list(found):
        secret = secrets[label].lower()
        for value in (v for v in sent if secret in v.encode().lower()):
            probe = _probe(value)
            _code, control = _get(client, url.replace(value, probe))
            mapped = control.lower().replace(probe.encode().lower(), value.encode().lower())
            if body.lower().count(secret) <= mapped.count(secret):
                found.remove(label)
                break
    return code, found


def _walk(client: Client, walk: Walk, secrets: dict[str, bytes]) -> tuple[list[str], list[str]]:
    leaks: list[str] = []
    crashes: list[str] = []

    def visit(url: str) -> int:
        code, found = _check(client, url, secrets, [v for v in walk.sent if v in url])
        if code >= 500:
            crashes.append(f"{url} -> {code}")
        if found:
            leaks.append(f"{url} ({code}): {', '.join(found)}")
        return code

    answered = {url for url in walk.urls if visit(url) == 200}
    for base in walk.lists:
        if base not in answered:
            continue
        # A page this persona may open: search it for every string. What it echoes of a search
        # for a probe that matches nothing is what it echoes of any search (one control a page).
        _code, control = _get(client, f"{base}?{urlencode({'q': SEARCH_PROBE})}")
        echoes = control.lower().count(SEARCH_PROBE.lower().encode())
        for value in walk.searches:
            url = f"{base}?{urlencode({'q': value})}"
            code, body = _get(client, url)
            if code >= 500:
                crashes.append(f"{url} -> {code}")
            found = [
                label
                for label in _leaks(body, secrets)
                if secrets[label].lower() != value.lower().encode()
                or body.lower().count(secrets[label].lower()) > echoes
            ]
            if found:
                leaks.append(f"{url} ({code}): {', '.join(found)}")
    return leaks, crashes


def _client(user: User | None) -> Client:
    client = client_for(user)
    client.raise_request_exception = False  # a crash is reported, not a reason to stop the walk
    return client


SEARCH_PROBE = "ZQY-0000"
OUTSIDERS = ["outsider_monitor", "liaison", "other_liaison", "trainer", "anonymous"]


@pytest.fixture
def personas(liaison: User, other_liaison: User, trainer: User, council: User) -> dict[str, User | None]:
    return {
        "outsider_monitor": make_user("dina", Role.MONITOR),
        "liaison": liaison,
        "other_liaison": other_liaison,
        "trainer": trainer,
        "anonymous": None,
        "council": council,
    }


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_no_outsider_reads_interviews_or_evidence_by_any_url(
    world: World, personas: dict[str, User | None], persona: str
) -> None:
    walk = urls_to_walk(world)
    assert len(walk.urls) > 200  # the walk really covers the site, the confidential URLs too
    assert _url(world, "visits:interview_detail", world.interview.pk) in walk.urls
    assert _url(world, "visits:evidence_file", world.evidence.pk) in walk.urls
    user = personas[persona]
    client = _client(user)
    leaks, crashes = _walk(client, walk, world.secrets)
    if user is not None:  # the walk ran signed in throughout (nothing logged the client out)
        assert str(client.session.get("_auth_user_id")) == str(user.pk)
    assert leaks == [], f"confidential material readable by {persona}"
    assert crashes == [], f"server errors during the walk as {persona}"


def test_council_members_read_reports_but_never_interviews_or_evidence(
    world: World, personas: dict[str, User | None]
) -> None:
    """Council members see the visit, its findings and its report, but not the confidential
    material behind them - not even the evidence annex of the internal report. The consented
    excerpt may be quoted in the report (attributed by category only), so only it is left out."""
    walk = urls_to_walk(world)
    secrets = {label: value for label, value in world.secrets.items() if label != "interview excerpt"}
    leaks, crashes = _walk(_client(personas["council"]), walk, secrets)
    assert leaks == []
    assert crashes == []


# ---------------------------------------------------------------- positive controls


def _url(world: World, name: str, pk: int) -> str:
    pattern = next(p for p in every_pattern() if p.name == name)
    return pattern.url({arg: str(pk) for arg, _ in pattern.args})


@pytest.mark.parametrize("who", ["team_monitor", "coordinator"])
def test_the_team_and_coordinators_do_see_the_interview_on_the_visit_page(world: World, who: str) -> None:
    client = _client(getattr(world, who))
    visit_page = _read(client.get(_url(world, "visits:detail", world.visit.pk)))
    assert CODE.encode() in visit_page
    interview_page = _read(client.get(_url(world, "visits:interview_detail", world.interview.pk)))
    assert _leaks(interview_page, world.secrets) == [
        "interview code",
        "interview notes",
        "interview identity",
        "interview excerpt",
    ]
    download = _read(client.get(_url(world, "visits:evidence_file", world.evidence.pk)))
    assert MARKER in download
    assert hashlib.sha256(world.evidence_bytes).hexdigest() == world.evidence.sha256


def test_the_walk_reads_what_it_is_given(world: World) -> None:
    """The same walk, as the coordinator, finds the strings on the confidential pages."""
    urls = [
        _url(world, "visits:detail", world.visit.pk),
        _url(world, "visits:interview_detail", world.interview.pk),
        _url(world, "visits:evidence_file", world.evidence.pk),
    ]
    leaks, crashes = _walk(
        _client(world.coordinator), Walk(urls=urls, lists=[], searches=[], sent=[]), world.secrets
    )
    assert len(leaks) == 3 and crashes == []
