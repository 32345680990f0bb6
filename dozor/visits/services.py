"""Writes to visits: creating a visit and its team, and recording completed checklists.

Each function is keyword-only, checks the actor's rights, validates everything before writing,
runs in one transaction and writes the audit log. Checklists come from three places and are
checked by the same code (``dozor.visits.submissions.validate``): ODK Central and KoboToolbox exports
(``submissions_import``) and the online form (``submission_record_web``).
"""

from __future__ import annotations

import datetime
import itertools
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import can, require
from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import VisitType
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.methodology.models import TemplateVersion
from dozor.visits.access import can_record
from dozor.visits.models import Answer, Submission, TeamMember, Visit
from dozor.visits.selectors import (
    IN_CHUNK,
    instance_ids_taken,
    latest_visits,
    template_versions_for_facility,
)
from dozor.visits.submissions import (
    INSTANCE_ID_MAX,
    MAX_UNITS,
    Form,
    ImportResult,
    Key,
    Problem,
    RawSubmission,
    SubmissionFileError,
    check_hidden,
    read,
    validate,
)

BATCH = 1000
REVIEW_STATE_MAX = Submission._meta.get_field("review_state").max_length or 0


# --- facts stored on the place -------------------------------------------------------------------


def visit_facts_refresh(*, facility_ids: Iterable[int]) -> None:
    """Store each place's latest visit carried out on the place (``Facility.last_visit_*``), for
    planning's risk score, which may not read visits itself (it sits below them). Called whenever
    a visit is saved or deleted (signals.py) and after bulk writes."""
    from dozor.facilities.services import facility_facts_set

    ids = list(dict.fromkeys(facility_ids))
    if not ids:
        return
    latest = latest_visits(ids)
    facility_facts_set(last_visits={pk: latest.get(pk, (None, None)) for pk in ids})


# --- visits and teams ---------------------------------------------------------------------------


def _default_version(facility: Facility) -> TemplateVersion:
    versions = list(template_versions_for_facility(facility=facility)[:2])
    if not versions:
        raise ValidationError(
            {"template_version": [_("No published checklist template is made for this type of place.")]}
        )
    if len(versions) > 1:
        raise ValidationError(
            {"template_version": [_("Several checklist templates fit this type of place; choose one.")]}
        )
    return versions[0]


def _check_team_user(visit: Visit, user: User) -> None:
    if not can(user, "visits.view"):
        raise ValidationError(
            {"user": [_("%(user)s cannot take part in visits (inactive or wrong role).") % {"user": user}]}
        )
    if TeamMember.objects.filter(visit=visit, user=user).exists():
        raise ValidationError({"user": [_("%(user)s is already on the team.") % {"user": user}]})


def _add_member(*, actor: User, visit: Visit, user: User, role: str) -> TeamMember:
    _check_team_user(visit, user)
    member = TeamMember.objects.create(visit=visit, user=user, role=role)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=member,
        changes={"visit": visit.pk, "user": user.pk, "role": role},
    )
    return member


@transaction.atomic
def visit_create(
    *,
    actor: User,
    facility: Facility,
    visit_type: VisitType,
    started_on: datetime.date,
    template_version: TemplateVersion | None = None,
    announced: bool = False,
    team: Sequence[User] = (),
) -> Visit:
    """Create a planned visit; without ``template_version``, the published checklist made for the
    facility's type is used. ``team`` members join as members (see ``team_member_add`` for roles)."""
    require(actor, "visits.manage")
    if not facilities_visible_to(actor).filter(pk=facility.pk).exists():
        raise PermissionDenied
    if facility.status == Facility.Status.CLOSED:
        raise ValidationError({"facility": [_("The place is closed; it cannot be visited.")]})
    if template_version is None:
        template_version = _default_version(facility)
    elif template_version.status != TemplateVersion.Status.PUBLISHED:
        raise ValidationError(
            {"template_version": [_("Only a published checklist version can be used for a visit.")]}
        )
    duplicates = [u for u, n in Counter(team).items() if n > 1]
    if duplicates:
        raise ValidationError({"team": [_("%(user)s is listed twice.") % {"user": duplicates[0]}]})
    visit = Visit.objects.create(
        facility=facility,
        visit_type=visit_type,
        started_on=started_on,
        announced=announced,
        template_version=template_version,
        created_by=actor,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=visit, changes=snapshot(visit))
    for user in team:
        _add_member(actor=actor, visit=visit, user=user, role=TeamMember.Role.MEMBER)
    return visit


@transaction.atomic
def team_member_add(
    *, actor: User, visit: Visit, user: User, role: str = TeamMember.Role.MEMBER
) -> TeamMember:
    require(actor, "visits.manage")
    if role not in TeamMember.Role.values:
        raise ValidationError({"role": [_("Unknown team role.")]})
    return _add_member(actor=actor, visit=visit, user=user, role=role)


# --- completed checklists -----------------------------------------------------------------------


def _require_record(actor: User, visit: Visit) -> Visit:
    """Coordinators and monitors on the team record answers; the visit is re-read under a lock so
    that two imports into one visit run one after the other."""
    if not can_record(actor, visit):
        raise PermissionDenied
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("template_version__template")
        .get(pk=visit.pk)
    )


def _no_version() -> Problem:
    return Problem("", "", _("The visit has no checklist version; choose one first."))


def _answers(form: Form, submission: Submission, answers: Mapping[Key, str]) -> list[Answer]:
    return [
        # ids rather than objects: building a few hundred thousand answers is the import's hot loop
        Answer(
            submission_id=submission.pk,
            question_id=form.fields[name].question.pk,
            repeat_index=index,
            value=value,
        )
        for (name, index), value in answers.items()
    ]


def _insert_answers(rows: Iterable[tuple[int, int, int, str]]) -> None:
    """Insert validated answers with one prepared statement: an import of thousands of
    submissions writes hundreds of thousands of answers, and building a model instance and SQL
    text for each (bulk_create) made the import five times slower (scripts/bench_methodology.py)."""
    quote = connection.ops.quote_name
    meta = Answer._meta
    column = {f.name: f.column for f in meta.concrete_fields}
    columns = ", ".join(quote(column[f]) for f in ("submission", "question", "repeat_index", "value"))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s)"
    with connection.cursor() as cursor:
        batch: list[tuple[int, int, int, str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH * 10:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _hidden_problems(form: Form, raws: list[RawSubmission]) -> list[Problem]:
    """A file filled with another template or version is refused as a whole, with one message
    per distinct mismatch rather than one per submission."""
    found: dict[tuple[str, str], Problem] = {}
    for raw in raws:
        problem = check_hidden(form, raw)
        if problem is not None:
            found.setdefault((problem.field, problem.message), Problem("", problem.field, problem.message))
    return list(found.values())


def _instance_problems(raws: list[RawSubmission]) -> list[Problem]:
    problems: list[Problem] = []
    counts = Counter(raw.instance_id for raw in raws if raw.instance_id)
    for raw in raws:
        if not raw.instance_id:
            problems.append(Problem(raw.label, "instanceID", _("The submission has no instance ID.")))
        elif len(raw.instance_id) > INSTANCE_ID_MAX:
            problems.append(Problem(raw.label, "instanceID", _("The instance ID is too long.")))
    for instance_id, count in counts.items():
        if count > 1:
            problems.append(
                Problem(
                    instance_id,
                    "instanceID",
                    _("The instance ID appears %(count)s times in the file.") % {"count": count},
                )
            )
    return problems


def _rejected_reason(raw: RawSubmission, source: str, imported: bool) -> Problem:
    where = "ODK Central" if source == Submission.Source.ODK_CENTRAL else "KoboToolbox"
    if imported:
        message = _(
            "Rejected in %(source)s (%(state)s) after it was imported into Dozor: it stays in Dozor, "
            "marked with this review state; check whether it should still count."
        )
    else:
        message = _("Not imported: rejected in %(source)s (%(state)s).")
    return Problem(
        raw.instance_id or raw.label, "ReviewState", message % {"source": where, "state": raw.review_state}
    )


def _current_versions(raws: Sequence[RawSubmission]) -> dict[str, Submission]:
    """For each earlier instance ID named by an edit (``replaces``), the submission that is now
    the current version of it in Dozor: the stored one, followed along ``replaced_by``."""
    wanted = list(dict.fromkeys(earlier for raw in raws for earlier in raw.replaces))
    found: dict[str, Submission] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        found.update(
            (s.instance_id, s)
            for s in Submission.objects.filter(instance_id__in=wanted[start : start + IN_CHUNK])
        )
    heads: dict[str, Submission] = {}
    for instance_id, submission in found.items():
        head, seen = submission, {submission.pk}
        while head.replaced_by_id is not None and head.replaced_by_id not in seen:
            seen.add(head.replaced_by_id)
            head = Submission.objects.get(pk=head.replaced_by_id)
        heads[instance_id] = head
    return heads


def _completions(
    form: Form, visit: Visit, raws: Sequence[RawSubmission], result: ImportResult
) -> list[tuple[Submission, dict[Key, str]]]:
    """Submissions imported earlier from ODK Central's main CSV alone (no repeat answers) that
    this file (the CSV.zip) completes: their repeat answers, checked as a whole submission.
    The answers outside repeats must be the ones already stored."""
    with_repeats = {raw.instance_id: raw for raw in raws if any(index for (_name, index) in raw.values)}
    candidates: dict[int, str] = {}
    ids = list(with_repeats)
    for start in range(0, len(ids), IN_CHUNK):
        candidates.update(
            Submission.objects.filter(
                visit=visit, instance_id__in=ids[start : start + IN_CHUNK], status=Submission.Status.FINAL
            ).values_list("pk", "instance_id")
        )
    pks = list(candidates)
    for start in range(0, len(pks), IN_CHUNK):
        for pk in (
            Answer.objects.filter(submission_id__in=pks[start : start + IN_CHUNK], repeat_index__gt=0)
            .values_list("submission_id", flat=True)
            .distinct()
        ):
            candidates.pop(pk, None)  # already has its repeats: nothing to complete
    completions = []
    for submission in Submission.objects.filter(pk__in=candidates).prefetch_related("answers__question"):
        clean, problems = validate(form, with_repeats[submission.instance_id])
        result.problems += problems
        before = {(a.question.name, a.repeat_index): a.value for a in submission.answers.all()}
        if {k: v for k, v in clean.items() if not k[1]} != before:
            result.problems.append(
                Problem(
                    submission.instance_id,
                    "",
                    _(
                        "The submission was imported earlier with other answers; Dozor does not "
                        "overwrite imported answers, so its repeat answers cannot be added from this file."
                    ),
                )
            )
            continue
        completions.append((submission, {k: v for k, v in clean.items() if k[1]}))
    return completions


@transaction.atomic
def submissions_import(
    *, actor: User, visit: Visit, data: bytes, filename: str = "", dry_run: bool = False
) -> ImportResult:
    """Import an ODK Central or KoboToolbox export into the visit: all of it or nothing.

    Submissions already imported for this visit (same instance ID) are skipped and listed, or
    completed with their repeat answers when they were imported from ODK Central's main CSV
    alone; an edit made at the source (a new instance ID naming the earlier one) replaces the
    earlier version, which is kept as history; submissions rejected at the source are left out
    and listed with the reason. Any problem in any other submission refuses the whole file and is
    reported with its instance ID and field. Raises PermissionDenied if the actor may not record
    answers for the visit. docs/decisions/0029-real-export-files.md
    """
    visit = _require_record(actor, visit)
    version = visit.template_version
    if version is None:
        return ImportResult(problems=[_no_version()], dry_run=dry_run)
    form = Form(version)
    try:
        parsed = read(data, filename, form)
    except SubmissionFileError as exc:
        return ImportResult(problems=[Problem("", "", e) for e in exc.errors], dry_run=dry_run)
    result = ImportResult(source=parsed.source, dry_run=dry_run)
    hidden = _hidden_problems(form, parsed.submissions)
    if hidden:
        # Answers of another template cannot be checked against this one: stop here.
        result.problems = parsed.problems + hidden
        return result
    result.problems = parsed.problems + _instance_problems(parsed.submissions)
    taken = instance_ids_taken(raw.instance_id for raw in parsed.submissions if raw.instance_id)
    heads = _current_versions([raw for raw in parsed.submissions if raw.instance_id not in taken])
    to_write: list[tuple[RawSubmission, dict[Key, str]]] = []
    existing: list[RawSubmission] = []
    replacing: dict[str, Submission] = {}  # new instance ID -> the version it replaces
    replaced_pks: set[int] = set()
    for raw in parsed.submissions:
        owner = taken.get(raw.instance_id)
        if raw.rejected:
            result.not_imported.append(_rejected_reason(raw, parsed.source, owner == visit.pk))
            if owner == visit.pk:
                existing.append(raw)
            continue
        if owner == visit.pk:
            result.skipped_existing.append(raw.instance_id)
            existing.append(raw)
            continue
        if owner is not None:
            result.problems.append(
                Problem(raw.instance_id, "instanceID", _("The submission was imported into another visit."))
            )
            continue
        head = next((heads[e] for e in raw.replaces if e in heads), None)
        if head is not None and head.visit_id != visit.pk:
            result.problems.append(
                Problem(
                    raw.instance_id,
                    "deprecatedID",
                    _("The earlier version of this edited submission was imported into another visit."),
                )
            )
            continue
        if head is not None and head.status == Submission.Status.FINAL:
            if head.pk in replaced_pks:
                result.problems.append(
                    Problem(
                        raw.instance_id,
                        "deprecatedID",
                        _("Two submissions in the file are edits of the same earlier version %(earlier)s.")
                        % {"earlier": head.instance_id},
                    )
                )
                continue
            replacing[raw.instance_id] = head
            replaced_pks.add(head.pk)
        answers, problems = validate(form, raw)
        result.problems += problems
        to_write.append((raw, answers))
    completions = _completions(form, visit, [raw for raw in existing if not raw.rejected], result)
    result.completed = [submission.instance_id for submission, _answers in completions]
    completed = set(result.completed)
    result.skipped_existing = [i for i in dict.fromkeys(result.skipped_existing) if i not in completed]
    if result.problems:
        return result
    result.created = [raw.instance_id for raw, _answers in to_write]
    result.replaced = {new: old.instance_id for new, old in replacing.items()}
    result.flagged = [raw.instance_id for raw, _answers in to_write if raw.flagged]
    if dry_run:
        return result
    review_changes = _review_states_update(existing)
    if not to_write and not completions and not review_changes:
        return result
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                visit=visit,
                version=version,
                instance_id=raw.instance_id,
                source=parsed.source,
                submitted_at=raw.submitted_at,
                submitter_name=raw.submitter_name[:200],
                review_state=raw.review_state[:REVIEW_STATE_MAX],
            )
            for raw, _answers in to_write
        ],
        batch_size=BATCH,
    )
    _insert_answers(
        itertools.chain(
            (
                (submission.pk, form.fields[name].question.pk, index, value)
                for submission, (_raw, answers) in zip(submissions, to_write, strict=True)
                for (name, index), value in answers.items()
            ),
            (
                (submission.pk, form.fields[name].question.pk, index, value)
                for submission, answers in completions
                for (name, index), value in answers.items()
            ),
        )
    )
    by_instance = {s.instance_id: s for s in submissions}
    for new_id, old in replacing.items():
        submission_supersede(actor=actor, old=old, new=by_instance[new_id])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        obj=visit,
        changes={
            "file": filename[:200],
            "source": parsed.source,
            "version": version.pk,
            "created": len(result.created),
            "skipped_existing": len(result.skipped_existing),
            "replaced": len(result.replaced),
            "completed": len(result.completed),
            "not_imported": len(result.not_imported),
            "review_states_changed": review_changes,
        },
    )
    return result


def _review_states_update(raws: Sequence[RawSubmission]) -> int:
    """Carry review decisions made at the source since the last import onto the submissions
    already imported (ODK Central's "has issues" cleared, a Kobo status set...)."""
    # a file without review information (a Kobo CSV without the column) clears nothing
    states = {raw.instance_id: raw.review_state[:REVIEW_STATE_MAX] for raw in raws if raw.review_state}
    ids = list(states)
    changed = []
    for start in range(0, len(ids), IN_CHUNK):
        for submission in Submission.objects.filter(instance_id__in=ids[start : start + IN_CHUNK]).only(
            "pk", "instance_id", "review_state"
        ):
            if submission.review_state != states[submission.instance_id]:
                changed.append(submission)
    for submission in changed:
        submission.review_state = states[submission.instance_id]
    Submission.objects.bulk_update(changed, ["review_state"], batch_size=BATCH)
    return len(changed)


@transaction.atomic
def submission_record_web(
    *, actor: User, visit: Visit, answers: Mapping[Key, str], units: Mapping[str, int] | None = None
) -> Submission:
    """Record a checklist filled in online; ``answers`` maps (question name, repeat index) to the
    answer in XLSForm canonical text, ``units`` the number of units the form showed per repeat
    section (a unit left blank still has required questions). Problems raise ValidationError
    keyed by field (``name``, or ``name[2]`` inside repeats), checked exactly as imported files are."""
    visit = _require_record(actor, visit)
    version = visit.template_version
    if version is None:
        raise ValidationError(_no_version().message)
    form = Form(version)
    raw = RawSubmission(
        label="web",
        instance_id=f"web:{uuid.uuid4()}",
        values={(str(name), int(index)): str(value) for (name, index), value in answers.items()},
        units=dict(units or {}),
    )
    clean, problems = validate(form, raw)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field or "__all__", []).append(problem.message)
        raise ValidationError(errors)
    submission = Submission.objects.create(
        visit=visit,
        version=version,
        instance_id=raw.instance_id,
        source=Submission.Source.WEB,
        submitted_at=timezone.now(),
        submitted_by=actor,
        submitter_name=(actor.get_full_name() or actor.get_username())[:200],
    )
    Answer.objects.bulk_create(_answers(form, submission, clean), batch_size=BATCH)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=submission,
        changes={"visit": visit.pk, "version": version.pk, "answers": len(clean)},
    )
    return submission


def submission_supersede(*, actor: User | None, old: Submission, new: Submission) -> None:
    """Mark ``old`` as replaced by ``new``, an edit of it made at the source (ODK Collect's
    ``meta/deprecatedID``, an ODK Central edit, a Kobo ``deprecatedID``).

    The old version keeps its Answer rows as history but drops out everywhere answers are used,
    since only final submissions count (docs/decisions/0011). Call inside the transaction that
    writes ``new``; the old row is locked. Raises ValidationError if ``old`` is not the current
    final version of the same visit (already replaced, a draft, or another visit's).
    """
    locked = Submission.objects.select_for_update().get(pk=old.pk)
    if locked.visit_id != new.visit_id:
        raise ValidationError(_("The edited submission belongs to another visit."))
    if locked.status != Submission.Status.FINAL or locked.pk == new.pk:
        raise ValidationError(_("The edited submission is not the current version; it cannot be replaced."))
    locked.status = Submission.Status.SUPERSEDED
    locked.replaced_by = new
    locked.save(update_fields=["status", "replaced_by"])
    old.status, old.replaced_by = locked.status, new
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={
            "status": {"before": Submission.Status.FINAL, "after": Submission.Status.SUPERSEDED},
            "replaced_by": new.instance_id,
        },
    )


class SubmissionConflict(Exception):
    """The instance ID was already received with other answers, or for another visit, or the edit
    names a version that is no longer current; ``message`` is translated for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Received:
    """What ``submission_receive`` did: ``created`` False for a duplicate (nothing written)."""

    submission: Submission
    created: bool
    replaced: Submission | None = None


@transaction.atomic
def submission_receive(
    *, actor: User, visit: Visit, raw: RawSubmission, source: str, deprecated_id: str = ""
) -> Received:
    """Record one submission sent straight to Dozor (ODK Collect through the OpenRosa server),
    checked exactly as imported files are (hidden template fields, then ``validate``).

    The same instance ID again with the same answers is a duplicate: nothing is written. An edit
    (``deprecated_id``, the instance ID of the version it edits) replaces that version through
    ``submission_supersede``; if that version never arrived, the edit is recorded as new.
    Raises PermissionDenied (may not record the visit), ValidationError (problems, keyed by field)
    and SubmissionConflict.
    """
    visit = _require_record(actor, visit)
    version = visit.template_version
    if version is None:
        raise ValidationError(_no_version().message)
    form = Form(version)
    hidden = check_hidden(form, raw)
    if hidden is not None:
        raise ValidationError({hidden.field: [hidden.message]})
    instance = _instance_problems([raw])
    if instance:
        raise ValidationError({"instanceID": [p.message for p in instance]})
    answers, problems = validate(form, raw)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field or "__all__", []).append(problem.message)
        raise ValidationError(errors)
    existing = Submission.objects.filter(instance_id=raw.instance_id).first()
    if existing is not None:
        same = existing.visit_id == visit.pk and dict(
            ((name, index), value)
            for name, index, value in existing.answers.values_list("question__name", "repeat_index", "value")
        ) == dict(answers)
        if not same:
            raise SubmissionConflict(
                _("A different submission with this instance ID was already received; it was not changed.")
            )
        return Received(submission=existing, created=False)
    earlier = None
    if deprecated_id and deprecated_id != raw.instance_id:
        earlier = Submission.objects.filter(instance_id=deprecated_id).first()
        if earlier is not None and (
            earlier.visit_id != visit.pk or earlier.status != Submission.Status.FINAL
        ):
            raise SubmissionConflict(
                _("The submission edits a version that is no longer the current one; it was not recorded.")
            )
    submission = Submission.objects.create(
        visit=visit,
        version=version,
        instance_id=raw.instance_id,
        source=source,
        submitted_at=raw.submitted_at or timezone.now(),
        submitted_by=actor,
        submitter_name=(raw.submitter_name or actor.get_full_name() or actor.get_username())[:200],
    )
    Answer.objects.bulk_create(_answers(form, submission, answers), batch_size=BATCH)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=submission,
        changes={
            "visit": visit.pk,
            "version": version.pk,
            "source": source,
            "answers": len(answers),
            "edits": deprecated_id,
        },
    )
    if earlier is not None:
        submission_supersede(actor=actor, old=earlier, new=submission)
    return Received(submission=submission, created=True, replaced=earlier)


# --- checklists filled in online: drafts, resume, finalise ----------------------------------------

WEB_INSTANCE_RE = re.compile(r"^web:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DRAFT_VALUE_MAX = 20_000  # characters kept per answer in a draft (a long free-text note fits)


def _require_checklist(actor: User, visit: Visit) -> Visit:
    """Drafts belong to the visit's team and coordinators; to anyone else (council members who
    read the visit included) they do not exist: 404, never a hint that a draft is there."""
    if not can_record(actor, visit):
        raise Http404
    return _require_record(actor, visit)


def web_instance_id() -> str:
    """A new online checklist's instance ID; the page carries it, so that an answer saved while
    offline and sent later reaches the same draft."""
    return f"web:{uuid.uuid4()}"


def _draft_payload(form: Form, answers: Mapping[Key, str], units: Mapping[str, int] | None) -> dict:
    """What a draft stores: answers to known questions at possible places, as typed (a draft
    keeps half-typed values; they are checked on finalising), and units per repeated section."""
    kept = []
    for (name, index), value in answers.items():
        f = form.fields.get(str(name))
        text = str(value)
        if f is None or not text.strip():
            continue
        position = int(index)
        if (f.section.repeat and not 1 <= position <= MAX_UNITS) or (not f.section.repeat and position):
            continue
        kept.append([f.question.name, position, text[:DRAFT_VALUE_MAX]])
    # every repeated section shows at least one unit, whose required questions must be answered
    counts = dict.fromkeys(form.repeats, 1)
    counts.update(
        {code: max(1, min(MAX_UNITS, int(n))) for code, n in (units or {}).items() if code in form.repeats}
    )
    return {"answers": kept, "units": counts}


def draft_values(submission: Submission) -> dict[Key, str]:
    """A submission's pending draft as answers keyed (question name, repeat index)."""
    return {(str(name), int(index)): str(value) for name, index, value in submission.draft.get("answers", [])}


@transaction.atomic
def submission_draft_save(
    *,
    actor: User,
    visit: Visit,
    instance_id: str,
    answers: Mapping[Key, str],
    units: Mapping[str, int] | None = None,
    stale_after_final: bool = False,
) -> Submission:
    """Save a checklist being filled in online as a draft, creating it on the first save.

    ``stale_after_final``: the page was opened on a draft (not to change a final checklist), so a
    save that finds the checklist final (finalised meanwhile, on this or another device) is refused.

    Never refuses for missing or malformed answers: finalising checks them. ``instance_id``
    names the draft (``web:<uuid>`` from the page), so a save repeated after a lost connection
    updates the same draft. A final submission keeps its answers, which still count, until the
    changes are finalised. Only the visit's team and coordinators save drafts; a submission of
    another visit is not found. Autosaves are not audited one by one: creating the draft and
    finalising it are."""
    visit = _require_checklist(actor, visit)
    submission = Submission.objects.select_for_update().filter(instance_id=instance_id).first()
    created = submission is None
    if submission is None:
        if not WEB_INSTANCE_RE.match(instance_id):
            raise ValidationError(_("This checklist cannot be saved: reload the page and try again."))
        if visit.template_version is None:
            raise ValidationError(_no_version().message)
        submission = Submission(
            visit=visit,
            version=visit.template_version,
            instance_id=instance_id,
            source=Submission.Source.WEB,
            status=Submission.Status.DRAFT,
            submitted_by=actor,
            submitter_name=(actor.get_full_name() or actor.get_username())[:200],
        )
    elif submission.visit_id != visit.pk:
        raise Http404
    elif submission.source != Submission.Source.WEB:
        raise ValidationError(
            _("A checklist imported from ODK Central or KoboToolbox is corrected there, not online.")
        )
    elif stale_after_final and submission.is_final and not submission.has_pending_draft:
        # an autosave from a page opened on the draft, arriving after the checklist was finalised
        raise ValidationError(_("This checklist has been finalised: open it again to change it."))
    submission.draft = _draft_payload(Form(submission.version), answers, units)
    submission.draft_saved_at = timezone.now()
    submission.draft_by = actor
    if created:
        submission.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=submission,
            changes={"visit": visit.pk, "version": submission.version_id, "status": submission.status},
        )
    else:
        submission.save(update_fields=["draft", "draft_saved_at", "draft_by"])
    return submission


@transaction.atomic
def submission_finalise(
    *,
    actor: User,
    submission: Submission,
    answers: Mapping[Key, str] | None = None,
    units: Mapping[str, int] | None = None,
) -> Submission:
    """Check a submission's draft exactly as imported files are checked (required, constraints,
    relevance) and make it final: its answers then count. Problems raise ValidationError keyed by
    field (``name``, ``name[2]`` inside repeats) and change nothing; the draft stays.

    ``answers`` (the page's Finalise) are what is checked and made final, under the row's lock:
    an autosave sent earlier that reaches the server later cannot put older answers in their place.

    A final submission being edited gets its answers replaced in place: the rows of answers that
    stay keep their ids, and so the findings linked to them."""
    visit = _require_checklist(actor, submission.visit)
    submission = (
        Submission.objects.select_for_update().select_related("version__template").get(pk=submission.pk)
    )
    if submission.visit_id != visit.pk:
        raise Http404
    if answers is not None:
        submission.draft = _draft_payload(Form(submission.version), answers, units)
    if not submission.has_pending_draft:
        if submission.is_final:
            return submission
        submission.draft = {"answers": [], "units": {}}
    form = Form(submission.version)
    raw = RawSubmission(
        label="web",
        instance_id=submission.instance_id,
        values=draft_values(submission),
        units={str(code): int(count) for code, count in submission.draft.get("units", {}).items()},
    )
    clean, problems = validate(form, raw)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field or "__all__", []).append(problem.message)
        raise ValidationError(errors)
    wanted = {(form.fields[name].question.pk, index): value for (name, index), value in clean.items()}
    existing = {(a.question_id, a.repeat_index): a for a in submission.answers.all()}
    gone = [a.pk for key, a in existing.items() if key not in wanted]
    changed = []
    for key, answer in existing.items():
        if key in wanted and answer.value != wanted[key]:
            answer.value = wanted[key]
            changed.append(answer)
    added = [
        Answer(submission_id=submission.pk, question_id=question_id, repeat_index=index, value=value)
        for (question_id, index), value in wanted.items()
        if (question_id, index) not in existing
    ]
    Answer.objects.filter(pk__in=gone).delete()
    Answer.objects.bulk_update(changed, ["value"], batch_size=BATCH)
    Answer.objects.bulk_create(added, batch_size=BATCH)
    first = not submission.is_final
    submission.status = Submission.Status.FINAL
    if first:
        submission.submitted_at = timezone.now()
    submission.draft = {}
    submission.draft_saved_at = None
    submission.draft_by = None
    submission.save(update_fields=["status", "submitted_at", "draft", "draft_saved_at", "draft_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=submission,
        changes={
            "status": Submission.Status.FINAL,
            "answers": len(wanted),
            "added": len(added),
            "changed": len(changed),
            "removed": len(gone),
        },
    )
    return submission
