"""Reads about people. Every function starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from dozor.accounts.access import AnyUser
from dozor.core.search import search_words
from dozor.people.access import (
    can_see_private,
    conflicts_visible_to,
    organisations_visible_to,
    participations_visible_to,
    persons_visible_to,
)
from dozor.people.eligibility import Eligibility, evaluate_eligibility
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Organisation,
    Participation,
    Person,
)


def people_counts(user: AnyUser) -> dict[str, int]:
    today = timezone.localdate()
    active = participations_visible_to(user).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=today),
        status=Participation.Status.ACTIVE,
        term_start__lte=today,
    )
    return {
        "persons": persons_visible_to(user).count(),
        "organisations": organisations_visible_to(user).count(),
        "active_participants": active.values("person").distinct().count(),
    }


def _latest_participation() -> QuerySet[Participation]:
    return Participation.objects.filter(person=OuterRef("pk")).order_by("-term_start", "-id")


def person_search(
    user: AnyUser,
    *,
    q: str = "",
    region: str = "",
    expertise: str = "",
    organisation_kind: str = "",
    status: str = "",
    gender: str = "",
) -> QuerySet[Person]:
    """The roster, filtered. Each person carries ``current_status`` (their latest term's status).

    ``status`` filters on that latest status; ``"none"`` finds persons who never had a term.
    Only coordinators can find a person by e-mail: for others it would leak a private field.
    """
    qs = (
        persons_visible_to(user)
        .select_related("organisation", "region")
        .prefetch_related("languages", "expertise")
        .annotate(current_status=Subquery(_latest_participation().values("status")[:1]))
    )
    private = can_see_private(user)
    for raw in q.casefold().split():
        # The name words folded as search_text is; an e-mail as typed (folding drops "@" and ".").
        match = Q(*[Q(search_text__contains=word) for word in search_words(raw)], _connector=Q.AND)
        if private:
            match |= Q(email__icontains=raw)
        qs = qs.filter(match)
    if region:
        qs = qs.filter(region__code=region)
    if expertise:
        qs = qs.filter(expertise__code=expertise)
    if organisation_kind:
        qs = qs.filter(organisation__kind=organisation_kind)
    if status == "none":
        qs = qs.filter(current_status__isnull=True)
    elif status:
        qs = qs.filter(current_status=status)
    if gender:
        qs = qs.filter(gender=gender)
    return qs.order_by("last_name", "first_name", "id")


def organisation_search(
    user: AnyUser, *, q: str = "", kind: str = "", region: str = ""
) -> QuerySet[Organisation]:
    qs = (
        organisations_visible_to(user)
        .select_related("region", "authority")
        .annotate(person_count=Count("persons"))
    )
    for word in search_words(q):
        qs = qs.filter(search_text__contains=word)
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code=region)
    return qs.order_by("name_ru", "name_en", "id")


def organisation_members(user: AnyUser, organisation: Organisation) -> QuerySet[Person]:
    return (
        persons_visible_to(user)
        .filter(organisation=organisation)
        .select_related("region")
        .prefetch_related("expertise")
        .annotate(current_status=Subquery(_latest_participation().values("status")[:1]))
    )


@dataclass
class DeclarationRow:
    rule: EligibilityRule
    declaration: EligibilityDeclaration | None


@dataclass
class PersonDetail:
    person: Person
    participations: list[Participation]
    private: bool
    declarations: list[DeclarationRow] = field(default_factory=list)
    eligibility: Eligibility | None = None
    conflicts: list[ConflictOfInterest] = field(default_factory=list)

    @property
    def active_but_not_eligible(self) -> bool:
        """An active participant whose declarations no longer allow it: the secretariat must act."""
        if self.eligibility is None or self.eligibility.is_eligible:
            return False
        return any(p.status == Participation.Status.ACTIVE for p in self.participations)


def declaration_rows(person: Person) -> list[DeclarationRow]:
    """Every rule in force with the person's answer to it (or None)."""
    rules = list(EligibilityRule.objects.filter(is_active=True).order_by("sort_order", "code"))
    answers = {d.rule_id: d for d in EligibilityDeclaration.objects.filter(person=person, rule__in=rules)}
    return [DeclarationRow(rule, answers.get(rule.pk)) for rule in rules]


def person_detail(user: AnyUser, person: Person) -> PersonDetail:
    """What the user may see of one person (already fetched through ``person_for_user``).

    Declarations, the eligibility result and conflicts of interest are filled in only for users
    who may see private data; for others they stay empty.
    """
    person = (
        persons_visible_to(user)
        .select_related("organisation", "region")
        .prefetch_related(
            "languages",
            "expertise",
            Prefetch("participations", queryset=Participation.objects.select_related("region")),
        )
        .get(pk=person.pk)
    )
    detail = PersonDetail(person=person, participations=list(person.participations.all()), private=False)
    if can_see_private(user):
        detail.private = True
        detail.declarations = declaration_rows(person)
        detail.eligibility = evaluate_eligibility(person)
        detail.conflicts = list(
            conflicts_visible_to(user).filter(person=person).select_related("authority", "facility")
        )
    return detail
