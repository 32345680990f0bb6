"""Demo training data: a synthetic reconstruction of the 2014-2015 seminar series on practical
aspects of the NPM (domain.md section 6), loaded by ``dozor demo`` and removed by ``demo --reset``
/ ``--delete``.

What is taken from the public record (OSCE press releases, checked 2026-12-07, docs/sources.md): a
series of four seminars co-organised by the OSCE Centre (later Programme Office) in Astana, the
Commissioner for Human Rights and Penal Reform International (Central Asia); the second in Astana
on 2 Sep 2014 with some 90 NPM members (osce.org/astana/123118); the last (fourth) in Astana on
20 May 2015 with some 40 (osce.org/astana/158946); the topics. Everything else is invented and
labelled so: the first and third seminars' cities and dates are not in the sources (their titles
say so and their dates are assumed), venues, capacities other than the two Astana seminars', the
trainers and participants (existing synthetic demo persons), attendance, test results, evaluations
and certificates. An earlier version placed all four in September 2014 (with Oskemen and Aktobe
the same week); no source supports that. The three real institutions appear only
by name (the Commissioner as co-organiser row, the other two in the description); nothing is
stated about them.

Writes go through ``dozor.training.services`` with the demo coordinator as actor, except enrolments:
``enrolment_register`` refuses events that have already taken place, so the enrolments of these
2014 events are written directly, following its rules (a place while places remain, then the
waiting list). Loading is idempotent: the programme is matched on its English title, each event on
its English title within the programme, and an event that exists is left as it is (``--reset``
rebuilds it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from dozor.accounts.models import User
from dozor.core.models import Region
from dozor.people.models import Organisation, Person
from dozor.training.models import (
    Assessment,
    Certificate,
    Competency,
    CompetencyGrant,
    Enrolment,
    Event,
    Programme,
)
from dozor.training.selectors import certificate_refusal

DEMO_EMAIL_DOMAIN = "demo.invalid"  # as dozor.demo.base
COMMISSIONER_EN = "Commissioner for Human Rights of the Republic of Kazakhstan"  # dozor.demo.base's row
GRANTED = "npm_foundations"

PROGRAMME: dict[str, Any] = {
    "title_en": "Demo: Practical aspects of the NPM - seminar series (2014, reconstructed)",
    "title_ru": "Демо: Практические аспекты НПМ - серия семинаров (2014, реконструкция)",
    "title_kk": "Демо: ҰАТ-тың практикалық аспектілері - семинарлар сериясы (2014, қайта құрылған)",
    "description": (
        "Synthetic demo record. Reconstructed from public reports of the 2014-2015 seminar "
        "series co-organised by the OSCE Centre in Astana, the Commissioner for Human Rights and "
        "Penal Reform International (Central Asia). Participants, trainers (synthetic demo persons "
        "standing in for the Bulgarian and national experts), venues, attendance, test results, "
        "evaluations and certificates are invented. "
        "Демонстрационная запись: участники, тренеры и результаты вымышлены."
    ),
    "currency": "KZT",
    "starts_on": datetime.date(2014, 9, 1),
    "ends_on": datetime.date(2015, 5, 20),
}

# The OSCE Centre in Astana and PRI Central Asia are named in the description only: dozor.demo.base's
# tests pin its twelve demo organisations, and an organisation row added here would change that.
# The Commissioner's row (name only) comes from dozor.demo.base. Earlier loads may have left rows of
# these names; demo_training_delete removes them.
OTHER_CO_ORGANISERS_EN = ["OSCE Centre in Astana", "Penal Reform International, Central Asia office"]

# The topics of the Astana seminar (kk, ru, en); the other seminars' agendas are assumed the same.
TOPICS: list[tuple[str, str, str]] = [
    (
        "Халықаралық құқықтық база және ұлттық заңнама",
        "Международно-правовая база и национальное законодательство",
        "International legal framework and national legislation",
    ),
    (
        "Азаптауларды болдырмау жөніндегі кіші комитеттің (АБКК) стандарттары",
        "Стандарты Подкомитета по предупреждению пыток (ППП)",
        "SPT standards",
    ),
    ("Басқа ҰАТ-тардың озық тәжірибесі", "Передовой опыт других НПМ", "Best practice of other NPMs"),
    (
        "Мониторингтік баруларды жоспарлау",
        "Планирование мониторинговых посещений",
        "Planning of monitoring visits",
    ),
    ("Бюджеттеу", "Бюджетирование", "Budgeting"),
    (
        "Әдістеме және бару қорытындылары бойынша есептілік",
        "Методология и отчётность по итогам посещений",
        "Methodology and visit reporting",
    ),
    (
        "Ұсынымдардың орындалуын қадағалау",
        "Контроль за выполнением рекомендаций",
        "Follow-up on recommendations",
    ),
    ("БАҚ-пен қарым-қатынас", "Взаимодействие со СМИ", "Communication with the media"),
    (
        "Мемлекеттік органдармен және мекеме персоналымен ынтымақтастық",
        "Сотрудничество с государственными органами и персоналом учреждений",
        "Cooperation with authorities and prison staff",
    ),
]

NOT_RECORDED_VENUE = "Venue not recorded in our sources (demo)"


def _event(
    key: str,
    title: tuple[str, str, str],
    city: str,
    region: str | None,
    day: datetime.date,
    capacity: int,
    participants: list[int],
) -> dict[str, Any]:
    return {
        "key": key,
        "values": {
            "title_kk": title[0],
            "title_ru": title[1],
            "title_en": title[2],
            "city": city,
            "venue": NOT_RECORDED_VENUE,
            "starts_on": day,
            "ends_on": day,
            "language": "ru",
            "capacity": capacity,
            "status": Event.Status.HELD,
            "min_attendance_percent": 80,
            "min_test_percent": 60,
        },
        "region": region,
        "participants": participants,
    }


# Participants are indexes into the 40 synthetic demo persons (0-3 are the trainers).
EVENTS: list[dict[str, Any]] = [
    _event(
        "first",
        (
            "Демо: бірінші семинар (қаласы көрсетілмеген, күні болжалды)",
            "Демо: первый семинар (город не указан в источниках, дата условная)",
            "Demo: first seminar (city not recorded, date assumed)",
        ),
        "Not recorded / не указан",
        None,
        datetime.date(2014, 9, 1),
        30,
        list(range(20, 32)),
    ),
    _event(
        "astana",
        (
            "Демо: ҰАТ-тың практикалық аспектілері - Астана семинары",
            "Демо: Практические аспекты НПМ - семинар в Астане",
            "Demo: Practical aspects of the NPM - Astana seminar",
        ),
        "Astana",
        "AST",
        datetime.date(2014, 9, 2),
        90,
        list(range(4, 34)),
    ),
    _event(
        "third",
        (
            "Демо: үшінші семинар (қаласы мен күні көрсетілмеген, күні болжалды)",
            "Демо: третий семинар (город и дата не указаны в источниках, дата условная)",
            "Demo: third seminar (city and date not recorded, date assumed)",
        ),
        "Not recorded / не указан",
        None,
        datetime.date(2014, 11, 20),
        30,
        list(range(30, 40)),
    ),
    _event(
        "astana_2015",
        (
            "Демо: ҰАТ-тың практикалық аспектілері - сериядағы қорытынды семинар (2015)",
            "Демо: Практические аспекты НПМ - заключительный семинар серии (2015)",
            "Demo: Practical aspects of the NPM - closing seminar of the series (2015)",
        ),
        "Astana",
        "AST",
        datetime.date(2015, 5, 20),
        40,
        list(range(10, 20)),
    ),
]

# Three questions, asked before and after (kk, ru, en; choices; correct; topic index).
QUESTIONS: list[dict[str, Any]] = [
    {
        "text": (
            "Ұлттық алдын алу тетіктерін қай шарт белгілейді?",
            "Какой договор предусматривает национальные превентивные механизмы?",
            "Which treaty provides for national preventive mechanisms?",
        ),
        "choices": [
            ("a", "АҚҚК факультативтік хаттамасы", "Факультативный протокол к КПП", "OPCAT"),
            (
                "b",
                "Азаматтық және саяси құқықтар туралы пакт",
                "Пакт о гражданских и политических правах",
                "ICCPR",
            ),
        ],
        "correct": "a",
        "topic": 0,
    },
    {
        "text": (
            "ҰАТ мүшелері алдын ала ескертусіз бара ала ма?",
            "Могут ли участники НПМ посещать учреждения без предупреждения?",
            "May NPM members visit places of detention unannounced?",
        ),
        "choices": [
            ("yes", "Иә", "Да", "Yes"),
            ("no", "Жоқ", "Нет", "No"),
        ],
        "correct": "yes",
        "topic": 3,
    },
    {
        "text": (
            "Бару қорытындысы бойынша ұсынымдардан кейін не істеу керек?",
            "Что следует делать после рекомендаций по итогам посещения?",
            "What should follow the recommendations of a visit?",
        ),
        "choices": [
            ("follow", "Орындалуын қадағалау", "Контролировать выполнение", "Follow up on them"),
            ("close", "Істі жабу", "Закрыть дело", "Close the file"),
        ],
        "correct": "follow",
        "topic": 6,
    },
]

EVALUATION_COMMENTS = [
    "Демо: полезные практические примеры (условный отзыв)",
    "Demo: more time for visit planning, please (invented comment)",
    "",
]


def _questions(sessions: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "order": order,
            "text_kk": q["text"][0],
            "text_ru": q["text"][1],
            "text_en": q["text"][2],
            "choices": [
                {"name": name, "label_kk": kk, "label_ru": ru, "label_en": en}
                for name, kk, ru, en in q["choices"]
            ],
            "correct": q["correct"],
            "points": 1,
            "session": sessions[q["topic"]],
        }
        for order, q in enumerate(QUESTIONS, start=1)
    ]


def _answers(assessment: Assessment, right: int) -> dict[int | str, str]:
    """An answer sheet with the first ``right`` questions answered correctly."""
    sheet: dict[int | str, str] = {}
    for index, question in enumerate(assessment.questions.order_by("order", "id")):
        wrong = next(c["name"] for c in question.choices if c["name"] != question.correct)
        sheet[question.pk] = question.correct if index < right else wrong
    return sheet


def _persons() -> list[Person]:
    return list(
        Person.objects.filter(is_demo=True, email__endswith="@" + DEMO_EMAIL_DOMAIN).order_by("email")
    )


def _co_organisers() -> list[Organisation]:
    return list(Organisation.objects.filter(name_en=COMMISSIONER_EN, is_demo=True)[:1])


def _demo_programmes() -> models.QuerySet[Programme]:
    return Programme.objects.filter(is_demo=True, title_en=PROGRAMME["title_en"])


@transaction.atomic
def demo_training_delete() -> int:
    """Delete the demo training rows."""
    from dozor.training.models import Evaluation

    events = Event.objects.filter(is_demo=True, programme__in=_demo_programmes())
    deleted = CompetencyGrant.objects.filter(certificate__enrolment__event__in=events).delete()[0]
    deleted += Certificate.objects.filter(enrolment__event__in=events).delete()[0]
    deleted += Evaluation.objects.filter(event__in=events).delete()[0]
    deleted += events.delete()[0]
    deleted += _demo_programmes().delete()[0]
    deleted += Organisation.objects.filter(is_demo=True, name_en__in=OTHER_CO_ORGANISERS_EN).delete()[0]
    return deleted


@transaction.atomic
def demo_training_load() -> int:
    """Load the demo seminar series if it is missing; returns the number of events created."""
    from dozor.training import services

    coordinator = User.objects.filter(
        username="coordinator", email=f"coordinator@{DEMO_EMAIL_DOMAIN}"
    ).first()
    persons = _persons()
    competency = Competency.objects.filter(code=GRANTED).first()
    if coordinator is None or len(persons) < 40:
        return 0
    co_organisers = _co_organisers()
    programme = _demo_programmes().first()
    if programme is None:
        programme = services.programme_create(
            actor=coordinator, data=services.ProgrammeData(**PROGRAMME), co_organisers=co_organisers
        )
        Programme.objects.filter(pk=programme.pk).update(is_demo=True)
    regions = {r.code: r for r in Region.objects.all()}
    created = 0
    for spec in EVENTS:
        if Event.objects.filter(programme=programme, title_en=spec["values"]["title_en"]).exists():
            continue
        _load_event(services, coordinator, programme, spec, persons, regions, co_organisers, competency)
        created += 1
    return created


def _load_event(
    services: Any,
    coordinator: User,
    programme: Programme,
    spec: dict[str, Any],
    persons: list[Person],
    regions: dict[str, Region],
    co_organisers: list[Organisation],
    competency: Competency | None,
) -> None:
    day: datetime.date = spec["values"]["starts_on"]
    event = services.event_create(
        actor=coordinator,
        data=services.EventData(
            **spec["values"], programme=programme, region=regions.get(spec["region"] or "")
        ),
        grants=[competency] if competency is not None else [],
        co_organisers=co_organisers,
    )
    Event.objects.filter(pk=event.pk).update(is_demo=True)
    trainers = persons[:4]
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    sessions = [
        services.session_add(
            actor=coordinator,
            event=event,
            data=services.SessionData(
                order=order,
                topic_kk=kk,
                topic_ru=ru,
                topic_en=en,
                starts_at=start + datetime.timedelta(minutes=50 * order),
                duration_minutes=45,
                trainer=trainers[order % len(trainers)],
            ),
        )
        for order, (kk, ru, en) in enumerate(TOPICS)
    ]

    # Enrolments: written directly (enrolment_register refuses past events), with its rules.
    registered_at = timezone.make_aware(
        datetime.datetime.combine(day - datetime.timedelta(days=14), datetime.time(10))
    )
    enrolments = []
    for offset, index in enumerate(spec["participants"]):
        person = persons[index]
        status = Enrolment.Status.REGISTERED if offset < event.capacity else Enrolment.Status.WAITLISTED
        enrolments.append(
            Enrolment.objects.create(
                event=event,
                person=person,
                organisation=person.organisation,
                status=status,
                registered_at=registered_at + datetime.timedelta(minutes=offset),
                registered_by=coordinator,
            )
        )

    # Attendance: most are present throughout; every seventh person missed three sessions (no
    # certificate), every fifth was late once.
    for number, session in enumerate(sessions):
        marks = {}
        for enrolment, index in zip(enrolments, spec["participants"], strict=True):
            mark = "present"
            if index % 7 == 0 and number >= len(sessions) - 3:
                mark = "absent"
            elif index % 5 == 0 and number == 0:
                mark = "late"
            marks[enrolment.pk] = mark
        services.attendance_mark(actor=coordinator, session=session, marks=marks)

    # Knowledge tests before and after; every ninth person fails the post-test (no certificate).
    pre = services.assessment_set_questions(
        actor=coordinator, event=event, kind=Assessment.Kind.PRE_TEST, questions=_questions(sessions)
    )
    post = services.assessment_set_questions(
        actor=coordinator, event=event, kind=Assessment.Kind.POST_TEST, questions=_questions(sessions)
    )
    for enrolment, index in zip(enrolments, spec["participants"], strict=True):
        services.assessment_submit(
            actor=coordinator, assessment=pre, enrolment=enrolment, answers=_answers(pre, index % 3)
        )
        right = 1 if index % 9 == 0 else 3 - index % 2
        services.assessment_submit(
            actor=coordinator, assessment=post, enrolment=enrolment, answers=_answers(post, right)
        )

    # A few anonymous evaluations, typed in from paper forms.
    for number in range(4):
        services.evaluation_submit(
            actor=coordinator,
            event=event,
            enrolment=None,
            overall=5 - number % 2,
            relevance=4 + (number % 3 == 0),
            trainers=5 - (number == 3),
            comment=EVALUATION_COMMENTS[number % len(EVALUATION_COMMENTS)],
            on=day,
        )

    # Certificates for everyone who meets the event's rules (they grant npm_foundations).
    for enrolment in enrolments:
        if certificate_refusal(enrolment) is None:
            services.certificate_issue(actor=coordinator, enrolment=enrolment, on=day)
