"""Roles, capabilities and the base access helpers every app's ``access.py`` builds on.

The role x object matrix lives in docs/permissions.md; this module is its executable form.
Helpers raise Http404 when the object must stay invisible (another authority's facility)
and PermissionDenied when the user may see it but not do the action.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Authority, PopulationCategory, Region, VisitType

# Who may be looking: the access helpers and selectors take this and answer "nothing" for a visitor.
# Who acts is a ``User``: services take ``actor: User``, which views behind login_required get from
# ``AuthedRequest`` (accounts/http.py), the API from ``request_actor`` and commands from their --as.
AnyUser = User | AnonymousUser

ALL_STAFF = frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON, Role.TRAINER})

# capability -> roles that hold it (object-level scoping is applied by the app's access helpers)
CAPABILITIES: dict[str, frozenset[str]] = {
    "reference.view": ALL_STAFF,
    "facilities.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON}),
    "facilities.edit": frozenset({Role.COORDINATOR}),
    "facilities.export": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON}),
    "facilities.import": frozenset({Role.COORDINATOR}),
    "people.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "people.view_private": frozenset({Role.COORDINATOR}),
    "people.edit": frozenset({Role.COORDINATOR}),
    "audit.view": frozenset({Role.COORDINATOR}),
    # the accounts page: create, deactivate and reactivate accounts, password reset links, remove a second factor
    "accounts.manage": frozenset({Role.COORDINATOR}),
    "standards.view": ALL_STAFF,
    "methodology.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "methodology.edit": frozenset({Role.COORDINATOR}),
    "visits.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),
    "visits.manage": frozenset({Role.COORDINATOR}),
    "training.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "training.manage": frozenset({Role.COORDINATOR, Role.TRAINER}),
    # planning: liaisons and trainers never; unannounced visits are further limited to coordinators
    # and the visit's own group (planning/access.py)
    "planning.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),
    "planning.manage": frozenset({Role.COORDINATOR}),
    # every unannounced (secret) planned visit, in lists, totals, calendars and the optimiser's proposals;
    # the others see one only when they are in its group (planning/access.py)
    "planning.see_unannounced": frozenset({Role.COORDINATOR}),
    # visits (visits/access.py): the others with visits.view see only the visits whose team they are on
    "visits.view_all": frozenset({Role.COORDINATOR, Role.COUNCIL}),
    # record checklists, findings and reports; monitors only on visits whose team they are on
    "visits.record": frozenset({Role.COORDINATOR, Role.MONITOR}),
    "visits.join_team": frozenset({Role.MONITOR}),  # may be put on a visit's team
    "visits.urgent_alerts": frozenset({Role.COORDINATOR}),  # receive the urgent-action e-mail
    # recommendations (recommendations/access.py): the NPM's register, every recommendation
    "recommendations.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),
    "recommendations.issue": frozenset({Role.COORDINATOR}),  # issue, correct, change the status
    "recommendations.assess": frozenset({Role.COORDINATOR}),  # assess the authorities' responses
    # the overdue recommendations listed on the home page (the register itself is recommendations.view)
    "recommendations.follow_up": frozenset({Role.COORDINATOR, Role.COUNCIL}),
    "letters.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),  # the whole register
    "letters.manage": frozenset({Role.COORDINATOR}),  # register and escalate letters
    # reprisal follow-up: monitors only the cases at places of visits whose team they are on
    "reprisals.view": frozenset({Role.COORDINATOR, Role.MONITOR}),
    "reprisals.manage": frozenset({Role.COORDINATOR}),  # every case; open one without an interview, close
    "dashboard.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),  # over every recommendation
    "reminders.receive": frozenset({Role.COORDINATOR, Role.LIAISON}),  # the reminder digest e-mail
    # the outbox: e-mails the mail server keeps refusing (their count on the home page), and retrying them
    "notifications.manage": frozenset({Role.COORDINATOR}),
    # the authority portal: recommendations addressed to the own authority subtree (from reports sent
    # to it), its responses, the reports sent to it, its letters and its dashboard
    "portal.use": frozenset({Role.LIAISON}),
    "responses.submit": frozenset({Role.LIAISON}),  # answer a recommendation seen through the portal
    # not a right but a limit: everything these roles see is cut to their own authority and the
    # authorities below it (``User.authority``); a user of such a role without an authority sees nothing
    "scope.own_authority": frozenset({Role.LIAISON}),
    # publishing (publishing/access.py): the redaction work and public versions
    "publishing.view": frozenset({Role.COORDINATOR, Role.COUNCIL}),
    "publishing.redact": frozenset({Role.COORDINATOR}),  # start, redact, submit
    "publishing.approve": frozenset({Role.COORDINATOR, Role.COUNCIL}),  # never one's own; or send back
    "publishing.publish": frozenset({Role.COORDINATOR}),  # publish and withdraw
    "media.view": frozenset({Role.COORDINATOR, Role.COUNCIL}),  # press releases
    "media.manage": frozenset({Role.COORDINATOR}),  # media contacts, media log, writing press releases
    "annual.view": frozenset({Role.COORDINATOR, Role.COUNCIL}),  # the annual report page
}


def active_user(user: AnyUser | None) -> User | None:
    """The signed-in, active user with a role, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user if isinstance(user, User) else None


def mfa_required(user: User) -> bool:
    """Whether the user's role must sign in with a second factor (settings.DOZOR_MFA_REQUIRED_ROLES)."""
    return user.role in settings.DOZOR_MFA_REQUIRED_ROLES


def can(user: AnyUser, capability: str) -> bool:
    staff = active_user(user)
    if staff is None:
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if staff.role in CAPABILITIES["scope.own_authority"] and staff.authority_id is None:
        return False  # a liaison without an authority is not yet configured: sees nothing
    return staff.role in CAPABILITIES[capability]


def scoped_to_authority(user: AnyUser) -> bool:
    """Whether everything the user sees is cut to their own authority's subtree (liaisons)."""
    staff = active_user(user)
    return staff is not None and staff.role in CAPABILITIES["scope.own_authority"]


def roles_with(capability: str) -> frozenset[str]:
    """The roles holding ``capability`` (for queries over users, e.g. ``role__in``)."""
    return CAPABILITIES[capability]


def users_with(capability: str) -> QuerySet[User]:
    """The active users who hold ``capability`` (as ``can`` answers it): recipients and pickers."""
    return User.objects.filter(is_active=True, role__in=roles_with(capability)).exclude(
        role__in=roles_with("scope.own_authority"), authority__isnull=True
    )


def require(user: AnyUser, capability: str) -> User:
    """Return the user if they hold ``capability``; otherwise PermissionDenied."""
    if not can(user, capability):
        raise PermissionDenied
    staff = active_user(user)
    assert staff is not None
    return staff


def regions_visible_to(user: AnyUser) -> QuerySet[Region]:
    return Region.objects.all() if can(user, "reference.view") else Region.objects.none()


def authorities_visible_to(user: AnyUser) -> QuerySet[Authority]:
    """All authorities for NPM roles; a liaison sees only its own authority and what sits under it."""
    if not can(user, "reference.view"):
        return Authority.objects.none()
    staff = active_user(user)
    assert staff is not None
    if scoped_to_authority(staff):
        assert staff.authority is not None
        return Authority.objects.filter(path__startswith=staff.authority.path)
    return Authority.objects.all()


def visit_types_visible_to(user: AnyUser) -> QuerySet[VisitType]:
    return VisitType.objects.all() if can(user, "reference.view") else VisitType.objects.none()


def population_categories_visible_to(user: AnyUser) -> QuerySet[PopulationCategory]:
    return (
        PopulationCategory.objects.all() if can(user, "reference.view") else PopulationCategory.objects.none()
    )


def audit_events_visible_to(user: AnyUser) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.all() if can(user, "audit.view") else AuditEvent.objects.none()


def accounts_visible_to(user: AnyUser) -> QuerySet[User]:
    """The accounts a user may manage: every account for ``accounts.manage``, none otherwise."""
    return User.objects.all() if can(user, "accounts.manage") else User.objects.none()


def account_for_user(user: AnyUser, pk: int) -> User:
    """One account to manage; 403 without ``accounts.manage``, 404 for an unknown id."""
    require(user, "accounts.manage")
    account = accounts_visible_to(user).filter(pk=pk).select_related("region", "authority").first()
    if account is None:
        raise Http404
    return account
