"""The ``checklist_modules`` and ``checklist_templates`` sections of a country pack (checklists.yaml).

Modules are reusable sections; each template lists the modules it is made of. Loading creates a
published version of each template; when the pack's content for a template changes, reloading
publishes a new version (earlier versions, which visits may have used, stay as they were).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from dozor.core.packs import (
    Checker,
    Item,
    PackContext,
    PackSection,
    SectionResult,
    translated_fields,
)
from dozor.methodology.spec import validate_spec


def _compose(template: Item, modules: dict[str, Item]) -> list[dict[str, Any]]:
    return [dict(modules[code]) for code in template.get("modules") or [] if code in modules]


def _validate_modules(items: list[Item], context: PackContext, check: Checker) -> None:
    cited: set[str] = set()
    for index, item in enumerate(items):
        check.translated(index, item, "title")
        for question in item.get("questions") or []:
            if not isinstance(question, dict):
                continue
            cited.update(code for code in question.get("provisions") or [] if isinstance(code, str))
            if question.get("two_facts"):
                # A reviewer's flag: the question asks two things at once (one answer cannot say
                # which half failed). The pack is refused until the question is split.
                check.error(
                    index,
                    item.get("code"),
                    _("question %(name)s is flagged as asking two facts at once: split it into two questions")
                    % {"name": question.get("name") or "?"},
                )
    for code in context.meta.get("_should_be_cited", []):
        if code not in cited:
            check.error(
                None,
                None,
                _("provision %(code)s is marked 'should_be_cited' in standards.yaml but no question cites it")
                % {"code": code},
            )
    context.meta["_checklist_modules"] = {
        item["code"]: item for item in items if isinstance(item.get("code"), str)
    }


def _validate_templates(items: list[Item], context: PackContext, check: Checker) -> None:
    modules: dict[str, Item] = context.meta.get("_checklist_modules", {})
    facility_types = context.codes.get("facility_types", set())
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.reference(index, item, "facility_type", facility_types)
        check.reference(index, item, "modules", set(modules))
        for error in validate_spec(
            _compose(item, modules),
            provision_codes=context.codes.get("provisions", set()),
            theme_codes=context.codes.get("themes", set()),
        ):
            check.error(index, item.get("code"), error)


def _load_modules(items: list[Item], context: PackContext) -> SectionResult:
    context.meta["_checklist_modules"] = {item["code"]: item for item in items}
    return SectionResult(unchanged=len(items))


def _load_templates(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.facilities.models import FacilityType
    from dozor.methodology.models import ChecklistTemplate, TemplateVersion
    from dozor.methodology.services import version_build

    modules: dict[str, Item] = context.meta.get("_checklist_modules", {})
    types = {t.code: t for t in FacilityType.objects.all()}
    result = SectionResult()
    for item in items:
        spec = _compose(item, modules)
        fingerprint = hashlib.sha256(
            json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        values = {**translated_fields(item, "name"), **translated_fields(item, "description")}
        template, created = ChecklistTemplate.objects.get_or_create(code=item["code"], defaults=values)
        changed = [k for k, v in values.items() if getattr(template, k) != v]
        if changed and not created:
            for key in changed:
                setattr(template, key, values[key])
            template.save(update_fields=changed)
        template.facility_types.set([types[item["facility_type"]]])
        last_pack = template.versions.filter(source=TemplateVersion.Source.PACK).order_by("-number").first()
        if last_pack is not None and last_pack.fingerprint == fingerprint:
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
            continue
        number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = version_build(
            template=template,
            sections=spec,
            number=number,
            status=TemplateVersion.Status.PUBLISHED,
            source=TemplateVersion.Source.PACK,
        )
        version.fingerprint = fingerprint
        version.save(update_fields=["fingerprint"])
        template.versions.filter(status=TemplateVersion.Status.PUBLISHED).exclude(pk=version.pk).update(
            status=TemplateVersion.Status.RETIRED
        )
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("checklist_modules", "checklists.yaml", 100, _validate_modules, _load_modules, "modules"),
        PackSection(
            "checklist_templates", "checklists.yaml", 101, _validate_templates, _load_templates, "templates"
        ),
    ]
