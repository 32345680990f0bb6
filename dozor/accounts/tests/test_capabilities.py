"""One table of rights: ``CAPABILITIES`` maps roles to rights, and nothing else does.

- every capability is pinned to its roles here, so that widening one is a visible, reviewed change;
- docs/permissions.md lists the same capabilities with the same roles;
- no module outside ``accounts`` (and the demo data, which assigns roles) compares a user's role,
  and no template does: they ask ``can(user, "...")`` or an access helper built on it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dozor.accounts.access import CAPABILITIES, can, roles_with, scoped_to_authority, users_with
from dozor.accounts.models import Role, User

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "dozor"

C, CO, M, L, T = Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON, Role.TRAINER

EXPECTED: dict[str, set[str]] = {
    "reference.view": {C, CO, M, L, T},
    "facilities.view": {C, CO, M, L},
    "facilities.edit": {C},
    "facilities.export": {C, CO, M, L},
    "facilities.import": {C},
    "people.view": {C, CO, M, T},
    "people.view_private": {C},
    "people.edit": {C},
    "audit.view": {C},
    "accounts.manage": {C},
    "standards.view": {C, CO, M, L, T},
    "methodology.view": {C, CO, M, T},
    "methodology.edit": {C},
    "visits.view": {C, CO, M},
    "visits.view_all": {C, CO},
    "visits.manage": {C},
    "visits.record": {C, M},
    "visits.join_team": {M},
    "visits.urgent_alerts": {C},
    "training.view": {C, CO, M, T},
    "training.manage": {C, T},
    "planning.view": {C, CO, M},
    "planning.manage": {C},
    "planning.see_unannounced": {C},
    "recommendations.view": {C, CO, M},
    "recommendations.issue": {C},
    "recommendations.assess": {C},
    "recommendations.follow_up": {C, CO},
    "letters.view": {C, CO, M},
    "letters.manage": {C},
    "reprisals.view": {C, M},
    "reprisals.manage": {C},
    "dashboard.view": {C, CO, M},
    "reminders.receive": {C, L},
    "notifications.manage": {C},
    "portal.use": {L},
    "responses.submit": {L},
    "scope.own_authority": {L},
    "publishing.view": {C, CO},
    "publishing.redact": {C},
    "publishing.approve": {C, CO},
    "publishing.publish": {C},
    "media.view": {C, CO},
    "media.manage": {C},
    "annual.view": {C, CO},
}


# --- the table ----------------------------------------------------------------------------------------


def test_every_capability_maps_to_the_expected_roles():
    assert set(CAPABILITIES) == set(EXPECTED)
    for capability, roles in EXPECTED.items():
        assert set(CAPABILITIES[capability]) == roles, capability


def test_the_table_names_only_real_roles():
    for capability, roles in CAPABILITIES.items():
        assert roles <= set(Role.values), capability
        assert roles_with(capability) == roles


@pytest.mark.django_db
def test_it_answers_from_the_table_for_each_persona(coordinator, council, monitor, liaison, trainer):
    for user in (coordinator, council, monitor, liaison, trainer):
        for capability, roles in EXPECTED.items():
            assert can(user, capability) == (user.role in roles), (user.role, capability)
    assert scoped_to_authority(liaison) and not scoped_to_authority(coordinator)


@pytest.mark.django_db
def test_a_liaison_without_authority_and_an_inactive_user_hold_nothing(monitor):
    unconfigured = User.objects.create_user(username="nobody", role=Role.LIAISON)
    monitor.is_active = False
    monitor.save(update_fields=["is_active"])
    for capability in CAPABILITIES:
        assert not can(unconfigured, capability)
        assert not can(monitor, capability)


@pytest.mark.django_db
def test_users_with_lists_the_active_configured_holders(coordinator, monitor, liaison):
    User.objects.create_user(username="nobody", role=Role.LIAISON)
    User.objects.create_user(username="gone", role=Role.COORDINATOR, is_active=False)
    assert set(users_with("reminders.receive")) == {coordinator, liaison}
    assert set(users_with("visits.join_team")) == {monitor}


def test_it_refuses_an_unknown_capability(coordinator):
    with pytest.raises(KeyError):
        can(coordinator, "visits.teleport")


# --- docs/permissions.md --------------------------------------------------------------------------------

DOC = ROOT / "docs" / "permissions.md"
DOC_ROLES = [C, CO, M, L, T]  # the order of the role columns


def documented_capabilities() -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- capabilities:start -->", 1)[1].split("<!-- capabilities:end -->", 1)[0]
    table: dict[str, set[str]] = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not cells[0].startswith("`"):
            continue  # the header and its rule
        marks = cells[1 : 1 + len(DOC_ROLES)]
        assert set(marks) <= {"yes", "-"}, line
        table[cells[0].strip("`")] = {
            role for role, mark in zip(DOC_ROLES, marks, strict=True) if mark == "yes"
        }
    return table


def doc_row(capability: str) -> str:
    marks = " | ".join("yes" if role in CAPABILITIES[capability] else "-" for role in DOC_ROLES)
    return f"| `{capability}` | {marks} | ... |"


def test_the_permissions_page_lists_every_capability_with_its_roles():
    documented = documented_capabilities()
    expected = {capability: set(roles) for capability, roles in CAPABILITIES.items()}
    wrong = sorted(c for c in expected.keys() | documented.keys() if documented.get(c) != expected.get(c))
    assert not wrong, "docs/permissions.md differs from CAPABILITIES; the rows should read:\n" + "\n".join(
        doc_row(c) if c in CAPABILITIES else f"(remove `{c}`)" for c in wrong
    )


# --- no role check outside the table ------------------------------------------------------------------

# Modules that may name the roles: the table itself, the model, the demo data and the places that
# assign a role to an account (which also check that a liaison gets an authority).
ALLOWED = {
    "dozor/accounts/access.py",
    "dozor/accounts/models.py",
    "dozor/accounts/services.py",
    "dozor/accounts/management/commands/user.py",
}
ALLOWED_FOLDERS = ("dozor/demo/",)
ROLE_NAMES = set(Role.names)
ROLE_VALUES = set(Role.values)


def _is_role_member(node: ast.AST) -> bool:
    """``Role.MONITOR`` (the accounts roles; ``GroupMember.Role.LEADER`` and the like are not)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in ROLE_NAMES
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def _is_role_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in ROLE_VALUES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role_value(element) for element in node.elts)
    return False


def _reads_role(node: ast.AST) -> bool:
    """``user.role`` or ``role`` on one side of a comparison."""
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (
        isinstance(node, ast.Name) and node.id == "role"
    )


def role_checks(source: str) -> list[int]:
    """Line numbers where ``source`` decides something by role instead of asking the table."""
    lines: list[int] = []
    tree = ast.parse(source)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if _is_role_member(node):
            lines.append(node.lineno)  # any use of a role member: a comparison, a filter, a tuple
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_reads_role(side) for side in sides) and any(_is_role_value(side) for side in sides):
                lines.append(node.lineno)  # user.role == "coordinator"
        elif (
            isinstance(node, ast.keyword) and node.arg in {"role", "role__in"} and _is_role_value(node.value)
        ):
            lines.append(node.value.lineno)  # User.objects.filter(role="monitor")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in {"is_coordinator", "is_liaison"}
            and id(node) not in called  # access.is_liaison(user) asks the table; user.is_liaison did not
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def _checked_sources() -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
            continue
        if relative in ALLOWED or relative.startswith(ALLOWED_FOLDERS):
            continue
        found.append(path)
    return found


def test_the_scan_finds_each_kind_of_role_check():
    source = """
if user.role == Role.MONITOR: pass
if staff.role in (Role.COORDINATOR, Role.COUNCIL): pass
if user.role == "liaison": pass
if role != "trainer": pass
User.objects.filter(role__in=["coordinator", "liaison"])
User.objects.filter(role="monitor")
if request.user.is_coordinator: pass
member.role == GroupMember.Role.LEADER
member.role == "leader"
"""
    assert role_checks(source) == [2, 3, 4, 5, 6, 7, 8]


def test_no_module_decides_by_role_outside_the_table():
    offenders = []
    for path in _checked_sources():
        for line in role_checks(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT).as_posix()}:{line}")
    assert not offenders, (
        "Role checks outside dozor/accounts/access.py: add or use a capability in CAPABILITIES and ask "
        "can(user, ...) instead:\n" + "\n".join(offenders)
    )


TEMPLATE_ROLE_CHECK = re.compile(
    r"\.role\s*(==|!=|\bin\b|\bnot\s+in\b)|\bis_coordinator\b|\buser\.is_liaison\b|"
    r"[\"'](?:" + "|".join(sorted(ROLE_VALUES)) + r")[\"']\s*(==|!=|\bin\b)\s*[\w.]*\.role\b"
)


def test_the_template_scan_finds_a_role_check():
    assert TEMPLATE_ROLE_CHECK.search('{% if user.role == "coordinator" %}')
    assert TEMPLATE_ROLE_CHECK.search("{% if request.user.is_coordinator %}")
    assert not TEMPLATE_ROLE_CHECK.search("{% for visit, role in rows %}{{ member.get_role_display }}")


def test_no_template_decides_by_role():
    offenders = []
    for path in sorted(PACKAGE.rglob("templates/**/*")):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".xml", ".md"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_ROLE_CHECK.search(line):
                offenders.append(f"{path.relative_to(ROOT).as_posix()}:{number}")
    assert not offenders, "Role checks in templates: pass a flag computed with can(user, ...):\n" + "\n".join(
        offenders
    )
