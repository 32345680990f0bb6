"""The demo data set: a small, clearly labelled synthetic NPM to explore Dozor with (``dozor demo``).

Everything here is invented: facility names start with "Demo:" / "Демо:" and end "(fictional)" /
"(условное название)", codes start with ``DEMO-``, persons carry ``is_demo`` and a note saying
they are synthetic, demo e-mail addresses use the reserved ``.invalid`` domain. The one real
institution named is the Commissioner for Human Rights, and no facts about it are invented.

Loading is idempotent: rows are matched on a natural key (facility code, organisation English
name, person e-mail, username), changed fields are updated, and dependent rows (occupancy,
participations, declarations, conflicts, many-to-many links) of demo rows are rewritten. The
random choices come from a fixed seed; dates are relative to today so the data stays current.

This lives in ``web`` (not ``dozor``) because the management commands must live in an installed
app and import-linter forbids ``web`` importing the top-level ``dozor`` package.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import Authority, Language, Region
from dozor.core.search import gazetteer_read
from dozor.facilities.models import Facility, FacilityType, Occupancy
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Expertise,
    Organisation,
    Participation,
    Person,
)

DEMO_PREFIX = "DEMO-"
DEMO_EMAIL_DOMAIN = "demo.invalid"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 20140902  # the Astana NPM seminar of 2 Sep 2014 (domain.md section 6); any fixed value works
FACILITY_COUNT = 60
PERSON_COUNT = 40
FACILITY_NOTE = (
    "Synthetic demo record: a fictional place, not a real facility. "
    "Демонстрационная запись: вымышленное учреждение."
)
PERSON_NOTE = "Synthetic demo person: invented name and details, not a real individual."


class DemoError(Exception):
    """The demo data cannot be loaded (for example the country pack is missing)."""


# Short names of facility types (ru, kk, en) for readable synthetic names; a type missing here
# (a pack added it later) falls back to its full pack name.
SHORT_NAMES: dict[str, tuple[str, str, str]] = {
    "COLONY_MIN": (
        "Учреждение минимальной безопасности",
        "минималды қауіпсіздік мекемесі",
        "Minimum security institution",
    ),
    "COLONY_MED": (
        "Учреждение средней безопасности",
        "орташа қауіпсіздік мекемесі",
        "Medium security institution",
    ),
    "COLONY_MAX": (
        "Учреждение максимальной безопасности",
        "барынша қауіпсіздік мекемесі",
        "Maximum security institution",
    ),
    "COLONY_EXTREME": (
        "Учреждение чрезвычайной безопасности",
        "төтенше қауіпсіздік мекемесі",
        "Extreme security institution",
    ),
    "COLONY_FULL": (
        "Учреждение полной безопасности",
        "толық қауіпсіздік мекемесі",
        "Full security institution",
    ),
    "COLONY_MIXED": (
        "Учреждение смешанной безопасности",
        "аралас қауіпсіздік мекемесі",
        "Mixed security institution",
    ),
    "COLONY_JUVENILE": (
        "Учреждение для несовершеннолетних",
        "кәмелетке толмағандарға арналған мекеме",
        "Institution for juveniles",
    ),
    "SIZO": ("Следственный изолятор", "тергеу изоляторы", "Pre-trial detention centre"),
    "IVS": ("Изолятор временного содержания", "уақытша ұстау изоляторы", "Temporary detention isolator"),
    "SPECIAL_RECEPTION": ("Специальный приемник", "арнаулы қабылдау орны", "Special reception centre"),
    "RECEPTION_DISTRIBUTION": (
        "Приемник-распределитель",
        "қабылдау-тарату орны",
        "Reception and distribution centre",
    ),
    "FOREIGNERS_CENTRE": (
        "Центр временного размещения иностранцев",
        "шетелдіктерді уақытша орналастыру орталығы",
        "Accommodation centre for foreigners",
    ),
    "KNB_SIZO": ("Следственный изолятор КНБ", "ҰҚК тергеу изоляторы", "NSC pre-trial detention centre"),
    "MIL_GUARDHOUSE": ("Военная гауптвахта", "әскери гауптвахта", "Military guardhouse"),
    "MIL_DISCIPLINARY": (
        "Дисциплинарная воинская часть",
        "тәртіптік әскери бөлім",
        "Disciplinary military unit",
    ),
    "PSYCH_HOSPITAL": (
        "Центр психического здоровья",
        "психикалық денсаулық орталығы",
        "Mental health centre",
    ),
    "PSYCH_COMPULSORY": (
        "Психиатрический стационар с интенсивным наблюдением",
        "қарқынды бақылауы бар психиатриялық стационар",
        "Psychiatric hospital with intensive supervision",
    ),
    "NARCO_CENTRE": ("Наркологический центр", "наркологиялық орталық", "Addiction treatment centre"),
    "BABY_HOME": ("Дом ребенка", "сәбилер үйі", "Infant home"),
    "CHILDREN_HOME": ("Детский дом", "балалар үйі", "Children's home"),
    "SPECIAL_EDU": (
        "Организация образования с особым режимом",
        "ерекше режимді білім беру ұйымы",
        "Special-regime educational organisation",
    ),
    "JUVENILE_ADAPTATION": (
        "Центр адаптации несовершеннолетних",
        "кәмелетке толмағандарды бейімдеу орталығы",
        "Juvenile adaptation centre",
    ),
    "SOCIAL_ELDERLY_DISABLED": (
        "Медико-социальное учреждение для престарелых и лиц с инвалидностью",
        "қарттар мен мүгедектігі бар адамдарға арналған медициналық-әлеуметтік мекеме",
        "Care home for older persons and persons with disabilities",
    ),
    "SOCIAL_PSYCHONEURO": (
        "Психоневрологическое медико-социальное учреждение",
        "психоневрологиялық медициналық-әлеуметтік мекеме",
        "Psychoneurological care home",
    ),
    "SOCIAL_CHILDREN_DISABLED": (
        "Медико-социальное учреждение для детей с инвалидностью",
        "мүгедектігі бар балаларға арналған медициналық-әлеуметтік мекеме",
        "Care home for children with disabilities",
    ),
    "PENAL_MEDICAL": (
        "Лечебное учреждение УИС",
        "ҚАЖ емдеу мекемесі",
        "Penal-system medical institution",
    ),
    "ESCORT_TRANSPORT": ("Конвойное подразделение", "айдауыл бөлімшесі", "Escort unit"),
    "POLICE_HOLDING": (
        "Специальное помещение полиции",
        "полицияның арнаулы үй-жайы",
        "Police holding room",
    ),
    "COURT_CELLS": ("Конвойное помещение суда", "соттың айдауыл үй-жайы", "Court holding cells"),
    "BORDER_TRANSIT": ("Пограничная зона", "шекаралық аймақ", "Border and transit zone"),
    "FORENSIC_PSYCH": (
        "Отделение судебно-психиатрической экспертизы",
        "сот-психиатриялық сараптама бөлімшесі",
        "Forensic psychiatric examination unit",
    ),
    "SPECIAL_EDU_OPEN": (
        "Специальная организация образования",
        "арнаулы білім беру ұйымы",
        "Special educational organisation",
    ),
    "PRIVATE_INSTITUTION": ("Частное учреждение", "жеке мекеме", "Private institution"),
}

# Typical capacity range (places) of each type; anything else gets DEFAULT_CAPACITY.
CAPACITY: dict[str, tuple[int, int]] = {
    "SIZO": (400, 1500),
    "KNB_SIZO": (50, 150),
    "IVS": (20, 60),
    "SPECIAL_RECEPTION": (30, 100),
    "RECEPTION_DISTRIBUTION": (40, 120),
    "FOREIGNERS_CENTRE": (30, 100),
    "MIL_GUARDHOUSE": (20, 80),
    "MIL_DISCIPLINARY": (50, 150),
    "PSYCH_HOSPITAL": (150, 600),
    "PSYCH_COMPULSORY": (100, 300),
    "NARCO_CENTRE": (50, 200),
    "BABY_HOME": (40, 120),
    "CHILDREN_HOME": (40, 150),
    "SPECIAL_EDU": (30, 100),
    "JUVENILE_ADAPTATION": (20, 60),
    "COLONY_JUVENILE": (100, 300),
    "PENAL_MEDICAL": (150, 500),
    "ESCORT_TRANSPORT": (10, 40),
    "POLICE_HOLDING": (5, 20),
    "COURT_CELLS": (5, 30),
    "BORDER_TRANSIT": (5, 30),
    "FORENSIC_PSYCH": (20, 80),
    "SPECIAL_EDU_OPEN": (30, 100),
    "PRIVATE_INSTITUTION": (20, 100),
}
DEFAULT_CAPACITY = (500, 1600)  # colonies
SOCIAL_CAPACITY = (100, 400)

# Beyond one of each type, the demo gets more of the common places (domain.md section 2).
EXTRA_TYPES = (
    ["IVS"] * 8
    + ["SIZO"] * 5
    + ["COLONY_MED"] * 4
    + ["COLONY_MAX"] * 3
    + ["PSYCH_HOSPITAL"] * 3
    + ["CHILDREN_HOME"] * 3
    + ["SOCIAL_ELDERLY_DISABLED"] * 3
    + ["SPECIAL_RECEPTION"] * 2
    + ["NARCO_CENTRE"] * 2
    + ["COLONY_MIN"] * 2
    + ["MIL_GUARDHOUSE"]
)

# Synthetic person names: common first names with plausible but made-up surnames.
FIRST_NAMES = {
    Person.Gender.FEMALE: [
        "Айгерим",
        "Гульнара",
        "Динара",
        "Жанар",
        "Асель",
        "Сауле",
        "Мадина",
        "Алия",
        "Камила",
        "Айжан",
        "Елена",
        "Ольга",
        "Наталья",
        "Татьяна",
        "Ирина",
        "Светлана",
    ],
    Person.Gender.MALE: [
        "Ерлан",
        "Асхат",
        "Нурлан",
        "Данияр",
        "Бауыржан",
        "Арман",
        "Мурат",
        "Ержан",
        "Тимур",
        "Айдос",
        "Сергей",
        "Андрей",
        "Дмитрий",
        "Алексей",
        "Владимир",
        "Павел",
    ],
}
SURNAMES = [
    "Жаксылыков",
    "Тулегенбаев",
    "Карабалин",
    "Айтмагамбетов",
    "Сарыбеков",
    "Утешев",
    "Есенжолов",
    "Кенжебулатов",
    "Алтынбеков",
    "Бекмуратов",
    "Ковыльников",
    "Степнояров",
    "Тополёв",
    "Заречнов",
    "Светлояров",
    "Добросельцев",
    "Луговцов",
    "Ясноборов",
    "Берёзкин",
    "Камышин",
]
PATRONYMIC_STEMS = ["Ерланов", "Сериков", "Муратов", "Сергеев", "Андреев", "Николаев", ""]
POSITIONS = [
    "Эксперт",
    "Юрист",
    "Врач",
    "Психолог",
    "Социальный работник",
    "Координатор проектов",
    "Журналист",
]
EXPERTISE_CODES = [
    "lawyer",
    "doctor",
    "psychiatrist",
    "psychologist",
    "social_worker",
    "child_rights",
    "disability_rights",
    "gender",
    "human_rights_defender",
    "journalist",
    "interpreter",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    authority_code: str | None
    first_name: str
    last_name: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("coordinator", Role.COORDINATOR, None, "Demo", "Coordinator"),
    DemoLogin("council", Role.COUNCIL, None, "Demo", "Council member"),
    DemoLogin("monitor", Role.MONITOR, None, "Demo", "Monitor"),
    DemoLogin("liaison", Role.LIAISON, "KUIS", "Demo", "Liaison (KUIS)"),
    DemoLogin("trainer", Role.TRAINER, None, "Demo", "Trainer"),
)

# (kind, region code, ru, kk, en). Only the Commissioner is real; its row holds nothing but the name.
ORGANISATIONS: list[tuple[str, str | None, str, str, str]] = [
    (
        Organisation.Kind.COMMISSIONER,
        "AST",
        "Уполномоченный по правам человека в Республике Казахстан",
        "Қазақстан Республикасындағы Адам құқықтары жөніндегі уәкіл",
        "Commissioner for Human Rights of the Republic of Kazakhstan",
    ),
    (
        Organisation.Kind.INTERNATIONAL,
        "AST",
        "Демо: Международная сеть мониторинга мест заключения (вымышленная)",
        "Демо: Бас бостандығынан айыру орындарын бақылаудың халықаралық желісі (шартты)",
        "Demo: International Detention Monitoring Network (fictional)",
    ),
    (
        Organisation.Kind.BAR,
        "ALA",
        "Демо: Коллегия адвокатов «Степь» (вымышленная)",
        "Демо: «Дала» адвокаттар алқасы (шартты)",
        "Demo: Steppe Bar Association (fictional)",
    ),
    (
        Organisation.Kind.MEDICAL,
        "AST",
        "Демо: Ассоциация судебных врачей (вымышленная)",
        "Демо: Сот дәрігерлерінің қауымдастығы (шартты)",
        "Demo: Association of Forensic Doctors (fictional)",
    ),
    (
        Organisation.Kind.ACADEMIA,
        "ALA",
        "Демо: Университетская правовая клиника (вымышленная)",
        "Демо: Университеттік құқықтық клиника (шартты)",
        "Demo: University Human Rights Law Clinic (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "ALA",
        "Демо: Правозащитное бюро «Әділет-Демо» (вымышленное)",
        "Демо: «Әділет-Демо» құқық қорғау бюросы (шартты)",
        "Demo: Adilet-Demo Human Rights Bureau (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "KGD",
        "Демо: Центр поддержки семей «Шанырак» (вымышленный)",
        "Демо: «Шаңырақ» отбасыларды қолдау орталығы (шартты)",
        "Demo: Shanyrak Family Support Centre (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "EKR",
        "Демо: Фонд «Открытые двери» (вымышленный)",
        "Демо: «Ашық есік» қоры (шартты)",
        "Demo: Open Doors Foundation (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "AKT",
        "Демо: Общественное объединение «Права ребенка» (вымышленное)",
        "Демо: «Бала құқықтары» қоғамдық бірлестігі (шартты)",
        "Demo: Children's Rights Union (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "SHY",
        "Демо: Инициатива «Достоинство» (вымышленная)",
        "Демо: «Қадір-қасиет» бастамасы (шартты)",
        "Demo: Dignity Initiative (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "PVD",
        "Демо: Ассоциация людей с инвалидностью «Тең» (вымышленная)",
        "Демо: «Тең» мүгедектігі бар адамдар қауымдастығы (шартты)",
        "Demo: Teng Disability Association (fictional)",
    ),
    (
        Organisation.Kind.NGO,
        "WKR",
        "Демо: Центр «Женщины за справедливость» (вымышленный)",
        "Демо: «Әйелдер әділдік үшін» орталығы (шартты)",
        "Demo: Women for Justice Centre (fictional)",
    ),
]


@dataclass
class DemoReport:
    facilities: int = 0
    occupancy: int = 0
    organisations: int = 0
    persons: int = 0
    participations: int = 0
    declarations: int = 0
    conflicts: int = 0
    users: int = 0
    visits: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def summary(self) -> str:
        return (
            f"demo data: {self.facilities} facilities ({self.occupancy} occupancy records), "
            f"{self.organisations} organisations, {self.persons} persons "
            f"({self.participations} participations, {self.declarations} declarations, "
            f"{self.conflicts} conflicts), {self.users} demo logins, {self.visits} visits; "
            f"{self.created} rows created, {self.updated} updated, {self.deleted} deleted"
        )


def short_names(facility_type: FacilityType) -> tuple[str, str, str]:
    return SHORT_NAMES.get(
        facility_type.code, (facility_type.name_ru, facility_type.name_kk, facility_type.name_en)
    )


def capacity_range(type_code: str) -> tuple[int, int]:
    if type_code.startswith("SOCIAL_"):
        return SOCIAL_CAPACITY
    return CAPACITY.get(type_code, DEFAULT_CAPACITY)


def jitter(rng: random.Random, value: Decimal, spread: float, low: float, high: float) -> Decimal:
    moved = min(high, max(low, float(value) + rng.uniform(-spread, spread)))
    return Decimal(f"{moved:.6f}")


def occupancy_series(
    rng: random.Random, *, capacity: int, count: int, last: datetime.date, final_rate: float
) -> list[tuple[datetime.date, int, int]]:
    """``count`` yearly (date, capacity, population) points ending on ``last`` near ``final_rate``."""
    points = []
    for back in range(count):
        date = last - datetime.timedelta(days=back * 365 + (rng.randint(0, 60) if back else 0))
        rate = final_rate if back == 0 else max(0.2, final_rate + rng.uniform(-0.25, 0.15))
        points.append((date, capacity, round(capacity * rate)))
    return sorted(points)


def demo_present() -> bool:
    return Facility.objects.filter(code__startswith=DEMO_PREFIX).exists()


def _demo_users() -> models.QuerySet[User]:
    return User.objects.filter(
        username__in=[login.username for login in DEMO_LOGINS], email__endswith="@" + DEMO_EMAIL_DOMAIN
    )


@transaction.atomic
def demo_delete() -> int:
    """Delete the demo data set (DEMO- facilities, demo persons and organisations, demo logins)."""
    from dozor.demo.planning import demo_planning_delete
    from dozor.demo.recommendations import demo_recommendations_delete
    from dozor.demo.training import demo_training_delete

    deleted = demo_recommendations_delete()  # first: recommendations protect demo places and reports
    deleted += demo_training_delete()  # enrolments and certificates protect demo persons
    deleted += demo_planning_delete()  # planned visits protect demo persons and places
    deleted += Person.objects.filter(is_demo=True, email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()[0]
    deleted += Organisation.objects.filter(is_demo=True, name_en__in=[o[4] for o in ORGANISATIONS]).delete()[
        0
    ]
    from dozor.demo.release import demo_release_delete
    from dozor.visits.models import Visit

    deleted += demo_release_delete()  # releases (versions for the authority) protect demo reports
    deleted += Visit.objects.filter(facility__code__startswith=DEMO_PREFIX).delete()[0]
    deleted += Facility.objects.filter(code__startswith=DEMO_PREFIX).delete()[0]
    deleted += _demo_users().delete()[0]
    return deleted


M = TypeVar("M", bound=models.Model)


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _value(obj: models.Model, name: str) -> Any:
    """A field's stored value; for a foreign key its id, so comparing costs no query."""
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname) if isinstance(field, models.ForeignKey) else getattr(obj, name)


def _sync(
    model: type[M], key: str, rows: Sequence[dict[str, Any]], scope: models.QuerySet[M], report: DemoReport
) -> dict[Any, M]:
    """Create missing rows, update changed ones (matched on ``key`` within ``scope``); return rows by key."""
    keys = [row[key] for row in rows]
    existing = {getattr(obj, key): obj for obj in scope.filter(**{f"{key}__in": keys})}
    fields = [name for name in rows[0] if name != key] if rows else []
    new, changed = [], []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**row))
            continue
        if any(_value(obj, name) != _plain(row[name]) for name in fields):
            for name in fields:
                setattr(obj, name, row[name])
            changed.append(obj)
    model._default_manager.bulk_create(new)
    if changed:
        update_fields = fields + (
            ["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else []
        )
        now = timezone.now()
        for obj in changed:
            if "updated_at" in update_fields:
                obj.updated_at = now  # type: ignore[attr-defined]
        model._default_manager.bulk_update(changed, update_fields)
    report.created += len(new)
    report.updated += len(changed)
    return {getattr(obj, key): obj for obj in scope.filter(**{f"{key}__in": keys})}


def _replace(
    model: type[models.Model], stale: models.QuerySet[Any], rows: Iterable[models.Model], report: DemoReport
) -> int:
    """Rewrite the dependent rows of demo rows: delete the old set, insert the new one."""
    objs = list(rows)
    before = stale.count()
    stale.delete()
    model._default_manager.bulk_create(objs)
    report.created += max(0, len(objs) - before)
    report.deleted += max(0, before - len(objs))
    return len(objs)


def _reference() -> dict[str, Any]:
    regions = list(Region.objects.order_by("sort_order", "code"))
    # A retired type (no longer in law) gets no new demo places.
    types = {
        t.code: t
        for t in FacilityType.objects.filter(retired=False).prefetch_related("population_categories")
    }
    if not regions or not types:
        raise DemoError("the country pack is not loaded: run `dozor pack load kz` first")
    return {
        "regions": regions,
        "region": {r.code: r for r in regions},
        "types": types,
        "authorities": {a.code: a for a in Authority.objects.all()},
        "languages": {lang.code: lang for lang in Language.objects.all()},
        "expertise": {e.code: e for e in Expertise.objects.all()},
        "rules": list(EligibilityRule.objects.filter(is_active=True).order_by("sort_order", "code")),
    }


def _facility_plan(ref: dict[str, Any], rng: random.Random, today: datetime.date) -> list[dict[str, Any]]:
    types: dict[str, FacilityType] = ref["types"]
    order = [*types, *(code for code in EXTRA_TYPES if code in types)]
    while len(order) < FACILITY_COUNT:
        order.extend(types)
    order = order[:FACILITY_COUNT]
    regions: list[Region] = ref["regions"] * (FACILITY_COUNT // len(ref["regions"]) + 1)
    regions = regions[:FACILITY_COUNT]
    rng.shuffle(regions)
    numbers: dict[str, int] = {}
    plan: list[dict[str, Any]] = []
    for index, (type_code, region) in enumerate(zip(order, regions, strict=True)):
        facility_type = types[type_code]
        numbers[type_code] = number = numbers.get(type_code, 0) + 1
        ru, kk, en = short_names(facility_type)
        low, high = capacity_range(type_code)
        capacity = rng.randint(low // 5, high // 5) * 5
        closed = index % 15 == 11  # four closed places
        overcrowded = not closed and index % 7 == 3
        final_rate = rng.uniform(1.05, 1.35) if overcrowded else rng.uniform(0.45, 0.95)
        closed_on = today - datetime.timedelta(days=rng.randint(200, 900)) if closed else None
        last = (closed_on or today) - datetime.timedelta(days=rng.randint(10, 150))
        series = occupancy_series(
            rng, capacity=capacity, count=rng.randint(3, 6), last=last, final_rate=final_rate
        )
        opened_on = datetime.date(rng.randint(1955, 2012), rng.randint(1, 12), 1)
        plan.append(
            {
                "row": {
                    "code": f"{DEMO_PREFIX}{type_code.replace('_', '-')}-{region.code}-{number}",
                    "name_ru": f"Демо: {ru} № {number} (условное название)",
                    "name_kk": f"Демо: № {number} {kk} (шартты атау)",
                    "name_en": f"Demo: {en} No. {number} (fictional)",
                    "type": facility_type,
                    "authority": facility_type.authority,
                    "region": region,
                    "settlement": region.centre_ru,
                    "address": f"ул. Условная, {rng.randint(1, 120)} (вымышленный адрес)",
                    "latitude": jitter(rng, region.latitude, 0.08, -90, 90),
                    "longitude": jitter(rng, region.longitude, 0.12, -180, 180),
                    "capacity": capacity,
                    "population": series[-1][2],
                    "population_date": series[-1][0],
                    "status": Facility.Status.CLOSED if closed else Facility.Status.ACTIVE,
                    "opened_on": opened_on,
                    "closed_on": closed_on,
                    "notes": FACILITY_NOTE,
                    "is_demo": True,
                },
                "series": series,
                "categories": [c.pk for c in facility_type.population_categories.all()],
            }
        )
    gazetteer = gazetteer_read()
    for item in plan:
        item["row"]["search_text"] = Facility(**item["row"]).build_search_text(gazetteer)
    return plan


def _organisation_rows(ref: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind, region_code, ru, kk, en in ORGANISATIONS:
        row: dict[str, Any] = {
            "name_en": en,
            "name_ru": ru,
            "name_kk": kk,
            "kind": kind,
            "region": ref["region"].get(region_code) if region_code else None,
            "is_demo": True,
        }
        row["search_text"] = Organisation(**row).build_search_text()
        rows.append(row)
    return rows


def _person_plan(
    ref: dict[str, Any], rng: random.Random, organisations: list[Organisation]
) -> list[dict[str, Any]]:
    members = [o for o in organisations if o.kind != Organisation.Kind.COMMISSIONER]
    plan = []
    for index in range(PERSON_COUNT):
        gender = Person.Gender.FEMALE if index % 2 == 0 else Person.Gender.MALE
        first = rng.choice(FIRST_NAMES[gender])
        surname = SURNAMES[(index * 7) % len(SURNAMES)] + ("а" if gender == Person.Gender.FEMALE else "")
        stem = rng.choice(PATRONYMIC_STEMS)
        patronymic = stem + ("на" if gender == Person.Gender.FEMALE else "ич") if stem else ""
        row: dict[str, Any] = {
            "email": f"demo-person-{index + 1:02d}@{DEMO_EMAIL_DOMAIN}",
            "last_name": surname,
            "first_name": first,
            "patronymic": patronymic,
            "gender": gender,
            "organisation": members[index % len(members)],
            "position": rng.choice(POSITIONS),
            "region": ref["regions"][(index * 3) % len(ref["regions"])],
            "notes": PERSON_NOTE,
            "is_demo": True,
        }
        row["search_text"] = Person(**row).build_search_text()
        languages = ["kk", "ru"] if index % 4 else ["ru"]
        if index % 3 == 0:
            languages.append("en")
        expertise = rng.sample(EXPERTISE_CODES, 1 + index % 2)
        plan.append({"row": row, "languages": languages, "expertise": expertise})
    return plan


def _participations(person: Person, index: int, rng: random.Random, today: datetime.date) -> Participation:
    """Mostly active terms; persons 7, 17, 27, 37 are candidates; 9, 19, 39 have ended."""
    region = person.region
    if index % 10 == 7:
        start = today.replace(day=1) + datetime.timedelta(days=32)
        return Participation(
            person=person,
            term_start=start.replace(day=1),
            status=Participation.Status.CANDIDATE,
            region=region,
            note="Демо: кандидат (условный пример)",
        )
    if index in (9, 19, 39):
        start = today - datetime.timedelta(days=rng.randint(1500, 1800))
        return Participation(
            person=person,
            term_start=start,
            term_end=start + datetime.timedelta(days=3 * 365),
            status=Participation.Status.ENDED,
            region=region,
            decision_ref=f"Демо: решение Координационного совета № {index + 1} (условное)",
        )
    start = today - datetime.timedelta(days=rng.randint(30, 1000))
    return Participation(
        person=person,
        term_start=start,
        status=Participation.Status.ACTIVE,
        region=region,
        decision_ref=f"Демо: решение Координационного совета № {index + 1} (условное)",
    )


EXCLUDED_PERSON = 7  # a candidate who answers "yes" to the advocate question: excluded
INCOMPLETE_PERSON = 17  # a candidate who has answered only some questions


def _declarations(
    person: Person,
    index: int,
    rules: list[EligibilityRule],
    declared_on: datetime.date,
) -> list[EligibilityDeclaration]:
    answered = rules[:4] if index == INCOMPLETE_PERSON else rules
    return [
        EligibilityDeclaration(
            person=person,
            rule=rule,
            declared_on=declared_on,
            answer=index == EXCLUDED_PERSON and rule.code == "advocate",
        )
        for rule in answered
    ]


def _sync_users(ref: dict[str, Any], monitor_person: Person, report: DemoReport) -> list[User]:
    password = settings.DOZOR_DEMO_PASSWORD
    users = []
    for login in DEMO_LOGINS:
        email = f"{login.username}@{DEMO_EMAIL_DOMAIN}"
        user = User.objects.filter(username=login.username).first()
        if user is not None and user.email != email:
            raise DemoError(
                f"a user called '{login.username}' exists and is not a demo login; "
                "rename it or load no demo data"
            )
        first, last = login.first_name, login.last_name
        if login.role == Role.MONITOR:
            first, last = monitor_person.first_name, monitor_person.last_name
        values: dict[str, Any] = {
            "role": login.role,
            "authority": ref["authorities"][login.authority_code] if login.authority_code else None,
            "first_name": first,
            "last_name": last,
            "email": email,
            "is_active": True,
        }
        if user is None:
            user = User.objects.create_user(username=login.username, password=password, **values)
            report.created += 1
        else:
            changed = [name for name, value in values.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, values[name])
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
                report.updated += 1
        users.append(user)
    monitor = next(u for u in users if u.username == "monitor")
    if monitor_person.user_id != monitor.pk:
        Person.objects.filter(user=monitor).exclude(pk=monitor_person.pk).update(user=None)
        monitor_person.user = monitor
        monitor_person.save(update_fields=["user"])
    return users


@transaction.atomic
def demo_load(*, reset: bool = False) -> DemoReport:
    """Load (or refresh) the demo data set; with ``reset`` delete it first. Idempotent."""
    report = DemoReport()
    if reset:
        report.deleted = demo_delete()
    ref = _reference()
    rng = random.Random(SEED)
    today = timezone.localdate()

    # Facilities, their population categories and occupancy history.
    plan = _facility_plan(ref, rng, today)
    codes = [item["row"]["code"] for item in plan]
    report.deleted += (
        Facility.objects.filter(code__startswith=DEMO_PREFIX).exclude(code__in=codes).delete()[0]
    )
    # A place whose latest count was made during a demo visit keeps that count as its population.
    counted_latest = {
        code: (date, population)
        for code, date, population in Occupancy.objects.filter(facility__code__in=codes)
        .exclude(source=Occupancy.Source.OFFICIAL)
        .order_by("date", "id")
        .values_list("facility__code", "date", "population")
    }
    for item in plan:
        row = item["row"]
        latest = counted_latest.get(row["code"])
        if latest is not None and latest[0] >= row["population_date"]:
            row["population_date"], row["population"] = latest
    facilities = _sync(Facility, "code", [item["row"] for item in plan], Facility.objects.all(), report)
    ids = [f.pk for f in facilities.values()]
    through = Facility.population_categories.through
    _replace(
        through,
        through.objects.filter(facility_id__in=ids),
        (
            through(facility_id=facilities[item["row"]["code"]].pk, populationcategory_id=category)
            for item in plan
            for category in item["categories"]
        ),
        report,
    )
    # Official series only: counts made during demo visits stay (and keep their days).
    counted = set(
        Occupancy.objects.filter(facility_id__in=ids)
        .exclude(source=Occupancy.Source.OFFICIAL)
        .values_list("facility_id", "date")
    )
    report.occupancy = _replace(
        Occupancy,
        Occupancy.objects.filter(facility_id__in=ids, source=Occupancy.Source.OFFICIAL),
        (
            Occupancy(
                facility=facilities[item["row"]["code"]],
                date=date,
                capacity=capacity,
                population=population,
                source=Occupancy.Source.OFFICIAL,
                note="Демо: условные данные",
            )
            for item in plan
            for date, capacity, population in item["series"]
            if (facilities[item["row"]["code"]].pk, date) not in counted
        ),
        report,
    )
    report.facilities = len(facilities)

    # Organisations and persons.
    org_rows = _organisation_rows(ref)
    names = [row["name_en"] for row in org_rows]
    organisations = _sync(
        Organisation, "name_en", org_rows, Organisation.objects.filter(is_demo=True), report
    )
    report.organisations = len(organisations)
    person_plan = _person_plan(ref, rng, [organisations[name] for name in names])
    emails = [item["row"]["email"] for item in person_plan]
    stale_persons = Person.objects.filter(is_demo=True, email__endswith="@" + DEMO_EMAIL_DOMAIN).exclude(
        email__in=emails
    )
    report.deleted += stale_persons.delete()[0]
    persons = _sync(
        Person, "email", [item["row"] for item in person_plan], Person.objects.filter(is_demo=True), report
    )
    ordered = [persons[email] for email in emails]
    person_ids = [p.pk for p in ordered]
    report.persons = len(ordered)

    languages, expertise = ref["languages"], ref["expertise"]
    lang_through = Person.languages.through
    _replace(
        lang_through,
        lang_through.objects.filter(person_id__in=person_ids),
        (
            lang_through(person_id=person.pk, language_id=languages[code].pk)
            for person, item in zip(ordered, person_plan, strict=True)
            for code in item["languages"]
            if code in languages
        ),
        report,
    )
    exp_through = Person.expertise.through
    _replace(
        exp_through,
        exp_through.objects.filter(person_id__in=person_ids),
        (
            exp_through(person_id=person.pk, expertise_id=expertise[code].pk)
            for person, item in zip(ordered, person_plan, strict=True)
            for code in item["expertise"]
            if code in expertise
        ),
        report,
    )

    participations = [_participations(person, index, rng, today) for index, person in enumerate(ordered)]
    report.participations = _replace(
        Participation, Participation.objects.filter(person_id__in=person_ids), participations, report
    )
    declarations = [
        declaration
        for index, (person, participation) in enumerate(zip(ordered, participations, strict=True))
        for declaration in _declarations(
            person, index, ref["rules"], min(today, participation.term_start) - datetime.timedelta(days=14)
        )
    ]
    report.declarations = _replace(
        EligibilityDeclaration,
        EligibilityDeclaration.objects.filter(person_id__in=person_ids),
        declarations,
        report,
    )
    first_sizo = next(
        (facilities[c] for c in codes if c.startswith(f"{DEMO_PREFIX}SIZO-")), facilities[codes[0]]
    )
    conflicts = [
        ConflictOfInterest(
            person=ordered[2],
            authority=ref["authorities"].get("MZ"),
            facility=None if "MZ" in ref["authorities"] else first_sizo,
            declared_on=today.replace(day=1),
            reason="Демо: ранее работал(а) в системе здравоохранения (условный пример)",
        ),
        ConflictOfInterest(
            person=ordered[5],
            facility=first_sizo,
            declared_on=today.replace(day=1),
            reason="Демо: близкий родственник работает в учреждении (условный пример)",
        ),
    ]
    report.conflicts = _replace(
        ConflictOfInterest, ConflictOfInterest.objects.filter(person_id__in=person_ids), conflicts, report
    )

    users = _sync_users(ref, ordered[0], report)
    report.users = len(users)
    report.visits = _sync_visits(facilities, codes, users, today)
    from dozor.demo.training import demo_training_load

    demo_training_load()
    from dozor.demo.planning import demo_planning_load

    demo_planning_load()
    from dozor.demo.recommendations import demo_recommendations_load

    demo_recommendations_load()
    return report


def _sync_visits(
    facilities: dict[str, Facility], codes: list[str], users: list[User], today: datetime.date
) -> int:
    """Two demo visits with the demo monitor on the team: one last month, one next week."""
    from dozor.core.models import VisitType
    from dozor.demo.visits import demo_visit_content
    from dozor.visits.models import Visit
    from dozor.visits.services import visit_create

    by_name = {user.username: user for user in users}
    coordinator, monitor = by_name.get("coordinator"), by_name.get("monitor")
    council = by_name.get("council")
    visit_type = VisitType.objects.filter(code="periodic").first() or VisitType.objects.first()
    if coordinator is None or monitor is None or visit_type is None:
        return 0
    count = 0
    for prefix, days in ((f"{DEMO_PREFIX}SIZO-", -30), (f"{DEMO_PREFIX}IVS-", 7)):
        facility = next(
            (
                facilities[c]
                for c in codes
                if c.startswith(prefix) and facilities[c].status == Facility.Status.ACTIVE
            ),
            None,
        )
        if facility is None:
            continue
        visit = Visit.objects.filter(facility=facility, created_by=coordinator).first()
        if visit is None:
            visit = visit_create(
                actor=coordinator,
                facility=facility,
                visit_type=visit_type,
                started_on=today + datetime.timedelta(days=days),
                team=[monitor],
            )
        # the past visit: its record, findings, interviews and a report sent to KUIS through the
        # release gate (what the liaison reads)
        if days < 0 and demo_visit_content(coordinator=coordinator, monitor=monitor, visit=visit) and council:
            from dozor.demo.release import demo_send_report

            demo_send_report(
                coordinator=coordinator,
                monitor=monitor,
                approver=council,
                visit=visit,
                sent_on=min(today, visit.started_on + datetime.timedelta(days=14)),
            )
        count += 1
    return count
