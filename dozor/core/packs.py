"""Country packs: reference data of one country, kept as data files (see docs/country-packs.md).

A pack is a folder of YAML files. Each app that owns reference data registers a *section*
(a file name, a validator and a loader). Loading validates every section first and writes
nothing unless the whole pack is valid; writing happens in one transaction and is idempotent
(rows are matched on their code and only changed rows are saved).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.core.i18n import LANGUAGE_CODES
from dozor.core.yamlio import yaml_load

Item = dict[str, Any]


class PackError(Exception):
    """The pack is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class PackContext:
    """What earlier sections declared, so later sections can check their references."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    meta: Item = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)  # each file as read, for settings beside lists


@dataclass
class SectionResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class PackSection:
    key: str
    filename: str
    order: int
    validate: Callable[[list[Item], PackContext, Checker], None]
    load: Callable[[list[Item], PackContext], SectionResult]
    list_key: str = ""  # the list's name inside the file, when it differs from ``key``


class Checker:
    """Collects validation errors with the file and item they belong to."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[str] = []

    def error(self, index: int | None, code: str | None, message: str) -> None:
        where = self.filename
        if index is not None:
            where += " " + _("item %(n)s") % {"n": index + 1}
        if code:
            where += f" ({code})"
        self.errors.append(f"{where}: {message}")

    def items(self, data: Any, key: str) -> list[Item]:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.error(None, None, _("the file must contain a list called '%(key)s'") % {"key": key})
            return []
        result = []
        for index, item in enumerate(data[key]):
            if not isinstance(item, dict):
                self.error(index, None, _("each entry must be a mapping of fields"))
            else:
                result.append(item)
        return result

    def text(self, index: int, item: Item, name: str, *, required: bool = True) -> None:
        value = item.get(name)
        if value is None:
            if required:
                self.error(index, item.get("code"), _("missing field '%(field)s'") % {"field": name})
            return
        if not isinstance(value, str) or not value.strip():
            self.error(
                index, item.get("code"), _("field '%(field)s' must be non-empty text") % {"field": name}
            )

    def translated(self, index: int, item: Item, name: str, *, required: bool = True) -> None:
        value = item.get(name)
        if value is None:
            if required:
                self.error(index, item.get("code"), _("missing field '%(field)s'") % {"field": name})
            return
        if not isinstance(value, dict):
            self.error(
                index,
                item.get("code"),
                _("field '%(field)s' must give kk, ru and en texts") % {"field": name},
            )
            return
        for lang in LANGUAGE_CODES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.error(
                    index,
                    item.get("code"),
                    _("field '%(field)s' has no %(lang)s text") % {"field": name, "lang": lang},
                )

    def number(
        self, index: int, item: Item, name: str, low: float, high: float, *, integer: bool = False
    ) -> None:
        value = item.get(name)
        if value is None:
            self.error(index, item.get("code"), _("missing field '%(field)s'") % {"field": name})
            return
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or not low <= value <= high:
            self.error(
                index,
                item.get("code"),
                _("field '%(field)s' must be a number from %(low)s to %(high)s")
                % {"field": name, "low": low, "high": high},
            )

    def choice(self, index: int, item: Item, name: str, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        value = item.get(name)
        if value is None:
            self.error(index, item.get("code"), _("missing field '%(field)s'") % {"field": name})
        elif value not in allowed:
            self.error(
                index,
                item.get("code"),
                _("field '%(field)s' must be one of %(allowed)s")
                % {"field": name, "allowed": ", ".join(allowed)},
            )

    def reference(self, index: int, item: Item, name: str, known: set[str], *, required: bool = True) -> None:
        value = item.get(name)
        if value is None:
            if required:
                self.error(index, item.get("code"), _("missing field '%(field)s'") % {"field": name})
            return
        values = value if isinstance(value, list) else [value]
        for one in values:
            if one not in known:
                self.error(
                    index,
                    item.get("code"),
                    _("unknown code '%(code)s' in '%(field)s'") % {"code": one, "field": name},
                )

    def source(self, index: int, item: Any) -> None:
        """A source of the pack's facts: a title, a link (http or https) and the date it was checked
        (``checked: YYYY-MM-DD``); a fact without both cannot be re-checked by the next reader."""
        if not isinstance(item, dict):
            self.error(index, None, _("each source must be a mapping with a title, a link and a date"))
            return
        self.text(index, item, "title")
        link = item.get("url")
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            self.error(index, None, _("the source has no link (url: http or https)"))
        checked = item.get("checked")
        if isinstance(checked, str):
            try:
                checked = datetime.date.fromisoformat(checked)
            except ValueError:
                checked = None
        if not isinstance(checked, datetime.date):
            self.error(index, None, _("the source has no date it was checked (checked: YYYY-MM-DD)"))

    def codes(self, items: list[Item]) -> set[str]:
        seen: set[str] = set()
        for index, item in enumerate(items):
            code = item.get("code")
            if not isinstance(code, str) or not code.strip():
                self.error(index, None, _("missing field '%(field)s'") % {"field": "code"})
                continue
            if code in seen:
                self.error(index, code, _("the code is used twice"))
            seen.add(code)
        return seen


def translated_fields(item: Item, name: str, target: str | None = None) -> dict[str, str]:
    """``{"name": {"kk": .., "ru": .., "en": ..}}`` -> ``{"name_kk": .., ...}``."""
    value = item.get(name) or {}
    return {f"{target or name}_{lang}": str(value.get(lang, "")).strip() for lang in LANGUAGE_CODES}


def upsert_by_code(
    model: type[models.Model], code: str, values: dict[str, Any], result: SectionResult
) -> Any:
    """Create or update the row with ``code``; save only the fields that changed."""
    obj = model._default_manager.filter(code=code).first()
    if obj is None:
        obj = model._default_manager.create(code=code, **values)
        result.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return obj


@dataclass
class LoadedPack:
    meta: Item
    data: dict[str, list[Item]]
    checksum: str
    files: dict[str, Any] = field(default_factory=dict)


def pack_dir(code: str) -> Path:
    return Path(settings.DOZOR_PACKS_DIR) / code


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml_load(handle)
    except FileNotFoundError:
        errors.append(_("%(file)s: the file is missing") % {"file": path.name})
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(_("%(file)s: not valid YAML (%(error)s)") % {"file": path.name, "error": exc})
    return None


def pack_read(directory: Path, sections: Sequence[PackSection]) -> LoadedPack:
    """Read and validate a whole pack made of ``sections`` (every app's: dozor/packs.py); raise
    PackError listing every problem."""
    errors: list[str] = []
    if not directory.is_dir():
        raise PackError([_("no country pack folder at %(path)s") % {"path": directory}])
    digest = hashlib.sha256()
    meta = _read_yaml(directory / "pack.yaml", errors)
    checker = Checker("pack.yaml")
    if meta is not None:
        if not isinstance(meta, dict):
            checker.error(None, None, _("the file must be a mapping of fields"))
            meta = {}
        else:
            for name in ("code", "version", "default_language"):
                checker.text(0, meta, name)
            checker.translated(0, meta, "name")
            checker.translated(0, meta, "npm_name")
        errors.extend(e.replace(" " + _("item %(n)s") % {"n": 1}, "") for e in checker.errors)
        sources_checker = Checker("pack.yaml sources")
        sources = meta.get("sources")
        if not isinstance(sources, list) or not sources:
            sources_checker.error(None, None, _("the pack must list its sources"))
        else:
            for index, source in enumerate(sources):
                sources_checker.source(index, source)
        errors.extend(sources_checker.errors)
    context = PackContext(meta=meta or {})
    data: dict[str, list[Item]] = {}
    for section in sorted(sections, key=lambda s: s.order):
        path = directory / section.filename
        raw = _read_yaml(path, errors)
        if raw is None:
            continue
        digest.update(path.read_bytes())
        context.files[section.filename] = raw
        checker = Checker(section.filename)
        items = checker.items(raw, section.list_key or section.key)
        context.codes[section.key] = checker.codes(items)
        section.validate(items, context, checker)
        errors.extend(checker.errors)
        data[section.key] = items
    if errors:
        raise PackError(errors)
    return LoadedPack(meta=meta or {}, data=data, checksum=digest.hexdigest(), files=context.files)


@dataclass
class PackLoadReport:
    code: str
    version: str
    results: dict[str, SectionResult]
    dry_run: bool

    @property
    def summary(self) -> str:
        created = sum(r.created for r in self.results.values())
        updated = sum(r.updated for r in self.results.values())
        unchanged = sum(r.unchanged for r in self.results.values())
        return _(
            "pack %(code)s %(version)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged"
        ) % {
            "code": self.code,
            "version": self.version,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        }


class _DryRunRollback(Exception):
    pass


def pack_load(
    *, code: str, sections: Sequence[PackSection], directory: Path | None = None, dry_run: bool = False
) -> PackLoadReport:
    """Validate the whole pack made of ``sections``, then write it in one transaction (rolled back
    on dry run). The sections come from above (dozor/packs.py): core never calls up into an app."""
    from dozor.core.models import CountryPack

    pack = pack_read(directory or pack_dir(code), sections)
    if pack.meta.get("code") != code:
        raise PackError(
            [
                _("pack.yaml: the pack code is '%(found)s', expected '%(code)s'")
                % {"found": pack.meta.get("code"), "code": code}
            ]
        )
    context = PackContext(meta=pack.meta, files=pack.files)
    results: dict[str, SectionResult] = {}
    try:
        with transaction.atomic():
            for section in sorted(sections, key=lambda s: s.order):
                results[section.key] = section.load(pack.data.get(section.key, []), context)
            values = {
                "version": str(pack.meta["version"]),
                "default_language": pack.meta["default_language"],
                "checksum": pack.checksum,
                **translated_fields(pack.meta, "name"),
                **translated_fields(pack.meta, "npm_name"),
            }
            existing = CountryPack.objects.filter(code=code).first()
            if existing is None or any(getattr(existing, k) != v for k, v in values.items()):
                CountryPack.objects.update_or_create(
                    code=code, defaults={**values, "loaded_at": timezone.now()}
                )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return PackLoadReport(code=code, version=str(pack.meta["version"]), results=results, dry_run=dry_run)


# --- core's own sections -------------------------------------------------------------------------


def _validate_languages(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")


def _load_languages(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Language

    result = SectionResult()
    for order, item in enumerate(items):
        upsert_by_code(
            Language, item["code"], {"sort_order": order, **translated_fields(item, "name")}, result
        )
    return result


def _validate_regions(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.translated(index, item, "centre")
        check.choice(index, item, "kind", ["region", "city"])
        check.number(index, item, "lat", -90, 90)
        check.number(index, item, "lon", -180, 180)


def _load_regions(items: list[Item], context: PackContext) -> SectionResult:
    from decimal import Decimal

    from dozor.core.models import Region

    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "kind": item["kind"],
            "latitude": Decimal(str(item["lat"])).quantize(Decimal("0.000001")),
            "longitude": Decimal(str(item["lon"])).quantize(Decimal("0.000001")),
            "boundary_id": str(item.get("boundary_id") or ""),
            **translated_fields(item, "name"),
            **translated_fields(item, "centre"),
        }
        upsert_by_code(Region, item["code"], values, result)
    return result


def _validate_authorities(items: list[Item], context: PackContext, check: Checker) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.translated(index, item, "short", required=False)
        check.choice(index, item, "kind", ["ministry", "committee", "department", "agency"])
        parent = item.get("parent")
        if parent is not None and parent not in seen:
            check.error(
                index,
                item.get("code"),
                _("the parent '%(code)s' must be listed before its children") % {"code": parent},
            )
        if isinstance(item.get("code"), str):
            seen.add(item["code"])


def _load_authorities(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Authority

    result = SectionResult()
    by_code: dict[str, Authority] = {}
    for order, item in enumerate(items):
        parent = by_code.get(item["parent"]) if item.get("parent") else None
        path = (parent.path if parent else "/") + item["code"] + "/"
        values = {
            "sort_order": order,
            "kind": item["kind"],
            "parent": parent,
            "path": path,
            **translated_fields(item, "name"),
            **translated_fields(item, "short"),
        }
        by_code[item["code"]] = upsert_by_code(Authority, item["code"], values, result)
    return result


def validate_named(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")


def loader_named(
    model_path: str, extra: tuple[str, ...] = ()
) -> Callable[[list[Item], PackContext], SectionResult]:
    def load(items: list[Item], context: PackContext) -> SectionResult:
        from django.apps import apps

        model = apps.get_model(model_path)
        result = SectionResult()
        for order, item in enumerate(items):
            values: dict[str, Any] = {"sort_order": order, **translated_fields(item, "name")}
            for name in extra:
                values.update(translated_fields(item, name))
            upsert_by_code(model, item["code"], values, result)
        return result

    return load


def _validate_visit_types(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.translated(index, item, "description")


def _validate_gazetteer(items: list[Item], context: PackContext, check: Checker) -> None:
    regions = context.codes.get("regions", set())
    for index, item in enumerate(items):
        check.choice(index, item, "kind", ["region", "settlement"])
        check.reference(index, item, "region", regions, required=item.get("kind") == "region")
        names = item.get("names")
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            check.error(index, item.get("code"), _("field 'names' must be a non-empty list of names"))
        unverified = item.get("unverified")
        if unverified is not None and not isinstance(unverified, list):
            check.error(index, item.get("code"), _("field 'unverified' must be a list of names"))


def _load_gazetteer(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import PlaceName, Region

    regions = {r.code: r for r in Region.objects.all()}
    result = SectionResult()
    for order, item in enumerate(items):
        # Names marked unverified are searchable too: a wrong spelling only widens a search.
        names = list(dict.fromkeys([*item["names"], *(item.get("unverified") or [])]))
        values = {
            "sort_order": order,
            "kind": item["kind"],
            "region": regions.get(item["region"]) if item.get("region") else None,
            "names": names,
        }
        upsert_by_code(PlaceName, item["code"], values, result)
    stale = PlaceName.objects.exclude(code__in=[item["code"] for item in items])
    stale.delete()
    return result


def core_sections() -> list[PackSection]:
    """Core's own sections (composed with every app's in dozor/packs.py)."""
    from dozor.core import workdays  # it reads packs' helpers: imported here, not at the top

    return [
        PackSection("languages", "languages.yaml", 10, _validate_languages, _load_languages),
        PackSection("regions", "regions.yaml", 20, _validate_regions, _load_regions),
        PackSection("gazetteer", "gazetteer.yaml", 25, _validate_gazetteer, _load_gazetteer, "places"),
        PackSection("authorities", "authorities.yaml", 30, _validate_authorities, _load_authorities),
        PackSection(
            "population_categories",
            "population_categories.yaml",
            40,
            validate_named,
            loader_named("core.PopulationCategory"),
        ),
        PackSection(
            "visit_types",
            "visit_types.yaml",
            50,
            _validate_visit_types,
            loader_named("core.VisitType", ("description",)),
        ),
        PackSection(
            "holidays",
            workdays.HOLIDAYS_FILE,
            131,  # after the recommendation statuses of the same file, as before the move
            workdays.validate_holidays,
            workdays.load_holidays,
            "holiday_rules",
        ),
    ]
