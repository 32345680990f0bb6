"""What every page's shell needs: the NPM's name and the navigation the user may use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser, can
from dozor.core.models import CountryPack
from dozor.recommendations.access import is_liaison
from dozor.web.home_page import menu_counts


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    section: str
    count: int | None = None  # what awaits the user there (home_page.menu_counts), shown beside it


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    items: list[NavItem]


def navigation(user: AnyUser) -> list[NavGroup]:
    groups = _navigation(user)
    counts = menu_counts(user)
    if not counts:
        return groups
    return [
        NavGroup(group.label, [replace(item, count=counts.get(item.section)) for item in group.items])
        for group in groups
    ]


def _navigation(user: AnyUser) -> list[NavGroup]:
    groups: list[NavGroup] = []
    registry: list[NavItem] = []
    if can(user, "facilities.view"):
        registry.append(NavItem(_("Places"), reverse("facilities:list"), "facilities"))
        registry.append(NavItem(_("Map"), reverse("facilities:map"), "map"))
    if registry:
        groups.append(NavGroup(_("Registry"), registry))
    people: list[NavItem] = []
    if can(user, "people.view"):
        people.append(NavItem(_("Persons"), reverse("people:person_list"), "persons"))
        people.append(NavItem(_("Organisations"), reverse("people:organisation_list"), "organisations"))
    if people:
        groups.append(NavGroup(_("People"), people))
    methodology: list[NavItem] = []
    if can(user, "standards.view"):
        methodology.append(NavItem(_("Standards"), reverse("standards:instrument_list"), "standards"))
    if can(user, "methodology.view"):
        methodology.append(NavItem(_("Checklists"), reverse("methodology:template_list"), "checklists"))
    if methodology:
        groups.append(NavGroup(_("Methodology"), methodology))
    # each item is shown to those holding the capability its page requires (accounts/access.py)
    visits: list[NavItem] = []
    if can(user, "visits.view"):
        visits.append(NavItem(_("Visits"), reverse("visits:list"), "visits"))
    if can(user, "recommendations.view"):
        visits.append(NavItem(_("Recommendations"), reverse("recommendations:list"), "recommendations"))
    if can(user, "recommendations.assess"):
        visits.append(
            NavItem(_("Responses to assess"), reverse("recommendations:responses_to_assess"), "responses")
        )
    if can(user, "letters.view"):
        visits.append(NavItem(_("Correspondence"), reverse("recommendations:letter_list"), "letters"))
    if can(user, "dashboard.view"):
        visits.append(
            NavItem(_("Dashboard"), reverse("recommendations:dashboard"), "recommendations_dashboard")
        )
    if can(user, "reprisals.view"):
        visits.append(NavItem(_("Reprisal follow-up"), reverse("recommendations:reprisal_list"), "reprisals"))
    if can(user, "publishing.view"):
        visits.append(NavItem(_("Publishing"), reverse("publishing:list"), "publishing"))
    if can(user, "media.view"):  # council members read the press releases
        visits.append(NavItem(_("Media"), reverse("publishing:press_releases"), "media"))
    if visits:
        groups.append(NavGroup(_("Visits"), visits))
    training: list[NavItem] = []
    if can(user, "training.view"):
        training.append(NavItem(_("Programmes"), reverse("training:programme_list"), "training"))
        training.append(NavItem(_("Calendar"), reverse("training:calendar"), "training_calendar"))
        training.append(NavItem(_("Training needs"), reverse("training:needs"), "training_needs"))
    if can(user, "training.manage"):
        training.append(
            NavItem(_("Certificates to issue"), reverse("training:certificates_due"), "training_certificates")
        )
    if training:
        groups.append(NavGroup(_("Training"), training))
    planning: list[NavItem] = []
    if can(user, "planning.view"):
        planning.append(NavItem(_("Plans"), reverse("planning:plan_list"), "planning"))
        planning.append(NavItem(_("My visits"), reverse("planning:my_visits"), "planning_mine"))
        planning.append(NavItem(_("Calendar"), reverse("planning:calendar"), "planning_calendar"))
        planning.append(NavItem(_("Risk"), reverse("planning:risk_list"), "planning_risk"))
        planning.append(NavItem(_("Coverage"), reverse("planning:coverage"), "planning_coverage"))
        planning.append(NavItem(_("Cost rates"), reverse("planning:rates"), "planning_rates"))
    if planning:
        groups.append(NavGroup(_("Planning"), planning))
    reference: list[NavItem] = []
    if can(user, "reference.view"):
        reference.append(NavItem(_("Regions"), reverse("web:regions"), "regions"))
        reference.append(NavItem(_("Authorities"), reverse("web:authorities"), "authorities"))
        reference.append(NavItem(_("Facility types"), reverse("web:facility_types"), "facility_types"))
    if can(user, "audit.view"):
        reference.append(NavItem(_("Audit log"), reverse("accounts:audit"), "audit"))
    if can(user, "accounts.manage"):
        reference.append(NavItem(_("Accounts"), reverse("accounts:user_list"), "accounts"))
    if can(user, "notifications.manage"):
        reference.append(NavItem(_("Failing e-mails"), reverse("web:outbox"), "outbox"))
    if reference:
        groups.append(NavGroup(_("Administration"), reference))
    if is_liaison(user):  # the authority portal: the only NPM pages an authority's liaison uses
        portal = [
            NavItem(_("Authority portal"), reverse("recommendations:portal"), "portal"),
            NavItem(_("Correspondence"), reverse("recommendations:letter_list"), "letters"),
            NavItem(_("Dashboard"), reverse("recommendations:dashboard"), "recommendations_dashboard"),
        ]
        groups.append(NavGroup(_("Recommendations"), portal))
    return groups


def shell(request: HttpRequest) -> dict[str, Any]:
    pack = CountryPack.objects.order_by("id").first()
    return {
        "country_pack": pack,
        "nav_groups": navigation(request.user),
    }
