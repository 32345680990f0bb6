"""The permission matrix: every URL pattern of the project x every persona, against a table.

``permission_matrix.yaml`` beside this file holds one row per route name: the objects that fill its
URL arguments and the outcome expected for each persona. The walk builds one of each object
(``matrix_world.py``), requests every route with GET as every persona and compares. A route without
a row fails (so a new URL cannot ship without someone deciding who may open it), and so does a row
naming a route that no longer exists.

Personas, in the order of a row's ``expect``:
    coordinator, council, monitor (on the visit's team), monitor_off (not on it),
    liaison (KUIS, the place's authority), parent_liaison (MVD, above KUIS),
    wrong_liaison (MZ, another ministry), trainer, anonymous.

Outcomes:
    ok     200, or a redirect anywhere but the sign-in page (htmx fragments and "302 to self")
    no     403 or 404 (the object or the page is not there for this reader)
    login  a redirect to the sign-in page (anonymous visitors of a page)
    401    the API refuses an anonymous caller
    4xx    any other status named as it is (405 for a POST-only route, 400 for a missing parameter)
No row may expect a 5xx.

Regenerating (after adding a route, or when an outcome changed on purpose)::

    DOZOR_MATRIX_WRITE=1 pytest dozor/web/tests/test_permission_matrix.py -p no:randomly -n 0

rewrites the table from what each persona gets now: existing rows keep their ``args``; a new route's
arguments are guessed (an argument named like an object of ``matrix_world.py``, ``pk``/``code`` from
the route name - "visits:interview_edit" -> interview -, the first alternative of a regex group);
a route whose arguments cannot be guessed is left out and named, for its ``args`` to be written by
hand. Review ``git diff`` of the table before committing it: the invariants at the end of this file
(no page open to anonymous visitors but the public ones, no confidential page for outsiders) still
hold a regenerated table to account.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import resolve

from conftest import client_for, make_user
from dozor.accounts.models import Role, User
from dozor.visits.tests.test_confidential_walk import Pattern, every_pattern
from dozor.web.tests.matrix_world import build_world

TABLE = Path(__file__).with_name("permission_matrix.yaml")
PERSONAS = (
    "coordinator",
    "council",
    "monitor",
    "monitor_off",
    "liaison",
    "parent_liaison",
    "wrong_liaison",
    "trainer",
    "anonymous",
)
OUTCOME = re.compile(r"^(ok|no|login|4\d\d)$")
WRITE = os.environ.get("DOZOR_MATRIX_WRITE") == "1"
REGENERATE = "DOZOR_MATRIX_WRITE=1 pytest dozor/web/tests/test_permission_matrix.py -p no:randomly -n 0"


@dataclass(frozen=True)
class Row:
    args: dict[str, str]  # URL argument -> "object", "object.attribute" or "'literal'"
    expect: dict[str, str]  # persona -> outcome


def load_table() -> dict[str, Row]:
    raw = yaml.safe_load(TABLE.read_text(encoding="utf-8")) or {}
    rows: dict[str, Row] = {}
    for name, row in raw.items():
        expect = str(row.get("expect", "")).split()
        assert len(expect) == len(PERSONAS), f"{name}: `expect` needs {len(PERSONAS)} outcomes"
        assert all(OUTCOME.match(value) for value in expect), f"{name}: unknown outcome in {expect}"
        args = dict(part.split("=", 1) for part in str(row.get("args", "")).split())
        rows[name] = Row(args=args, expect=dict(zip(PERSONAS, expect, strict=True)))
    return rows


def routes() -> dict[str, Pattern]:
    """Every pattern but DRF's format-suffix twins ("/api/v1/findings.json": the same views)."""
    return {
        pattern.name: pattern
        for pattern in every_pattern()
        if not any(name == "format" for name, _ in pattern.args)
    }


def test_it_has_a_row_for_every_route():
    if WRITE:
        pytest.skip("writing the table")
    table, known = load_table(), routes()
    missing = sorted(set(known) - set(table))
    assert not missing, (
        "Routes without a row in dozor/web/tests/permission_matrix.yaml: decide who may open each, "
        f"then add its row (or regenerate: {REGENERATE}, and review the diff): " + ", ".join(missing)
    )
    stale = sorted(set(table) - set(known))
    assert not stale, f"Rows naming no route (renamed or removed?): {', '.join(stale)}"


def test_it_names_every_url_argument_of_each_route():
    if WRITE:
        pytest.skip("writing the table")
    table = load_table()
    for name, pattern in routes().items():
        if name in table:
            wanted = {arg for arg, _ in pattern.args}
            assert set(table[name].args) == wanted, f"{name}: args must fill exactly {sorted(wanted)}"


# --- the walk -------------------------------------------------------------------------------------


def _value(spec: str, world: dict[str, Any]) -> str:
    if spec.startswith("'"):
        return spec.strip("'")
    name, _, attribute = spec.partition(".")
    obj = world[name]
    return str(getattr(obj, attribute or "pk"))


def guess_args(pattern: Pattern, world: dict[str, Any]) -> dict[str, str] | None:
    """The ``args`` of a new route's row, or None when an argument cannot be guessed."""
    tokens = pattern.name.rpartition(":")[2].split("_")
    from_name = next(
        ("_".join(tokens[:n]) for n in range(len(tokens), 0, -1) if "_".join(tokens[:n]) in world), None
    )
    args: dict[str, str] = {}
    for arg, kind in pattern.args:
        if arg in world:
            spec = arg if kind == "int" else f"{arg}.code"
        elif arg.endswith("_pk") and arg[:-3] in world:
            spec = arg[:-3]
        elif arg in ("pk", "id") and from_name:
            spec = from_name
        elif arg == "code" and from_name:
            spec = f"{from_name}.code"
        elif arg == "lang":
            spec = "'en'"
        elif kind == "regex" and (choice := _regex_choice(pattern, arg)):
            spec = f"'{choice}'"
        else:
            return None
        args[arg] = spec
    return args


def _regex_choice(pattern: Pattern, arg: str) -> str | None:
    """The first word of a group like ``(?P<action>deactivate|reactivate)``."""
    for part in pattern.parts:
        found = re.search(rf"\(\?P<{arg}>([\w-]+)(?:\|[\w|-]+)?\)", str(part))
        if found:
            return found.group(1)
    return None


def write_table(rows: dict[str, Row]) -> None:
    """The table in route order, one aligned line a row, a persona a column."""
    names = max(len(name) for name in rows) + 1
    specs = [" ".join(f"{arg}={spec}" for arg, spec in row.args.items()) for row in rows.values()]
    args_width = max(len(spec) for spec in specs) + 2
    lead = f'{"":{names}} {{args: {"":{args_width}}, expect: "'
    lines = [
        "# The permission matrix, checked by dozor/web/tests/test_permission_matrix.py (read its docstring).",
        f"# Regenerate: {REGENERATE}",
        "# and review the diff. Outcomes: ok, no (403/404), login (sent to sign in), 401, 405 ...",
        "#" + " " * (len(lead) - 1) + " ".join(f"{persona[:6]:6}" for persona in PERSONAS),
    ]
    for (name, row), spec in zip(rows.items(), specs, strict=True):
        expect = " ".join(f"{row.expect[persona]:6}" for persona in PERSONAS).rstrip()
        lines.append(
            f'{name + ":":{names}} {{args: {chr(34) + spec + chr(34):{args_width}}, expect: "{expect}"}}'
        )
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def outcome(response: HttpResponse) -> str:
    code = response.status_code
    if code in (200, 204):
        return "ok"
    if 300 <= code < 400:
        target = response.headers.get("Location", "")
        return "login" if target.split("?")[0] == resolve_url(settings.LOGIN_URL) else "ok"
    if code in (403, 404):
        return "no"
    return str(code)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clients(
    coordinator: User, council: User, monitor: User, liaison: User, other_liaison: User, trainer: User
):  # type: ignore[no-untyped-def]
    users: dict[str, User | None] = {
        "coordinator": coordinator,
        "council": council,
        "monitor": monitor,
        "monitor_off": make_user("mona", Role.MONITOR),
        "liaison": liaison,
        "parent_liaison": make_user("pavel", Role.LIAISON, "MVD"),
        "wrong_liaison": other_liaison,
        "trainer": trainer,
        "anonymous": None,
    }
    return {persona: client_for(user) for persona, user in users.items()}


@pytest.mark.django_db
def test_it_gives_every_persona_the_expected_outcome_on_every_route(
    clients: dict[str, Client], coordinator: User, monitor: User, liaison: User
) -> None:
    world = build_world(coordinator=coordinator, monitor=monitor, liaison=liaison)
    table = load_table()
    wrong: list[str] = []
    written: dict[str, Row] = {}
    unguessed: list[str] = []
    for name, pattern in routes().items():
        row = table.get(name)
        if row is None and WRITE:
            args = guess_args(pattern, world)
            if args is None:
                unguessed.append(f"{name} ({', '.join(arg for arg, _ in pattern.args)})")
                continue
            row = Row(args=args, expect={})
        if row is None:
            continue  # reported by test_it_has_a_row_for_every_route
        url = pattern.url({arg: _value(spec, world) for arg, spec in row.args.items()})
        resolve(url)  # Resolver404 if the args do not make a URL of this route
        got: dict[str, str] = {}
        for persona in PERSONAS:
            cache.clear()  # rendered documents are cached by content: each reader asks afresh
            response = clients[persona].get(url)
            got[persona] = outcome(response)
            if getattr(response, "streaming", False):
                # read to the end: the test client then closes the file without firing Django's
                # request_finished handlers, which would close PostgreSQL's connection mid-test
                b"".join(response.streaming_content)
        assert not any(value.startswith("5") for value in got.values()), f"{name} {url}: {got}"
        written[name] = Row(args=row.args, expect=got)
        if got != row.expect and not WRITE:
            differ = ", ".join(
                f"{p}: {row.expect[p]} -> {got[p]}" for p in PERSONAS if got[p] != row.expect[p]
            )
            wrong.append(f"{name} {url} ({differ})\n    now: {' '.join(got[p] for p in PERSONAS)}")
    if WRITE:
        write_table(written)
        assert not unguessed, (
            f"Wrote {TABLE.name}, without these routes: write their args by hand and run again: "
            + ", ".join(unguessed)
        )
        return
    assert not wrong, (
        "Routes whose outcome differs from the table (persona: expected -> now). If the change is "
        f"intended, regenerate ({REGENERATE}) and review the diff:\n" + "\n".join(wrong)
    )


# --- invariants a regenerated table must still meet ------------------------------------------------

# Open to anonymous visitors: the public portal and certificate check, signing in, the API's own
# description, the health check and the home page (which sends visitors on to the portal).
PUBLIC = re.compile(
    r"^(public:.*|verify:.*|set_language|favicon\.ico|accounts:login|accounts:password_reset_confirm"
    r"|api:schema|api:docs|api:certificate-verify|web:home|web:healthz)$"
)
OUTSIDERS = ("monitor_off", "liaison", "parent_liaison", "wrong_liaison", "trainer", "anonymous")
# Routes of one visit's confidential material: only its team, coordinators (and, for some, council).
CONFIDENTIAL = re.compile(
    r"^(visits:(?!list$|create$).*|recommendations:reprisal_(?!list$).*"
    r"|api:(visit-detail|visit-submissions|visit-report-detail|finding-detail))$"
)
# Objects of the KUIS place: the liaison of another ministry opens none of them.
KUIS_OBJECTS = {
    "facility", "visit", "interview", "evidence", "finding", "report", "report_section", "recommendation",
    "response", "attachment", "letter", "reprisal", "planned_visit",
}  # fmt: skip


def test_it_opens_nothing_to_anonymous_visitors_but_the_public_pages():
    opened = [name for name, row in load_table().items() if row.expect["anonymous"] == "ok"]
    assert [name for name in opened if not PUBLIC.match(name)] == []


def test_it_shows_confidential_material_to_no_outsider():
    leaks = [
        f"{name}: {persona}"
        for name, row in load_table().items()
        if CONFIDENTIAL.match(name)
        for persona in OUTSIDERS
        if row.expect[persona] == "ok"
    ]
    assert leaks == []


def test_it_shows_no_object_of_the_kuis_place_to_another_ministrys_liaison():
    leaks = [
        name
        for name, row in load_table().items()
        if not PUBLIC.match(name)
        and KUIS_OBJECTS & {spec.partition(".")[0] for spec in row.args.values()}
        and row.expect["wrong_liaison"] == "ok"
    ]
    assert leaks == []
