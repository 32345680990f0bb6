"""A labelled synthetic corpus of sentences from NPM visit reports, for measuring redaction detectors.

Every person, number and address here is made up. The IINs have the right check digit (they were
computed, see ``iin_check_digit``) and a birth date in their first six digits, as issued IINs have;
the "case", "registration" and "personal file" numbers have twelve digits and a wrong check digit,
and no detector that can tell should take them for an IIN.

A sample is written with its labels inline: ``⟦kind:text⟧``. ``parse`` removes the markers and
returns the plain text with labelled spans ``(kind, start, end)``. The kinds are those of
``dozor.core.detectors`` plus ``name_other``: a person's name that the detector is *not* given
(no registry entry), which only a heuristic name finder can find; it is scored as ``person_name``.
``names`` are the registry names the detector is given for that sample (full names as stored).

``evaluate`` scores a detector: a found span matches a labelled one of the same kind when the two
share at least half of what they cover together (the convention of airlock-pii's benchmark).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

KINDS = ("iin", "phone", "email", "person_name", "address", "cell_date", "health")


@dataclass(frozen=True)
class Labelled:
    kind: str
    start: int
    end: int
    given: bool = True  # for person_name: the name was given to the detector


@dataclass(frozen=True)
class Sample:
    lang: str
    text: str
    labels: tuple[Labelled, ...]
    names: tuple[str, ...] = ()

    @property
    def negative(self) -> bool:
        return not self.labels


_MARK = re.compile(r"⟦(\w+):(.*?)⟧")


def parse(marked: str, lang: str, names: Iterable[str] = ()) -> Sample:
    text, labels, position, last = [], [], 0, 0
    for match in _MARK.finditer(marked):
        text.append(marked[last : match.start()])
        position += match.start() - last
        kind, value = match.group(1), match.group(2)
        given = kind != "name_other"
        kind = "person_name" if kind in ("name", "name_other") else kind
        assert kind in KINDS, kind
        labels.append(Labelled(kind, position, position + len(value), given))
        text.append(value)
        position += len(value)
        last = match.end()
    text.append(marked[last:])
    return Sample(lang, "".join(text), tuple(labels), tuple(names))


def iin_check_digit(first11: str) -> int | None:
    """The IIN check digit (order No. 521 of 2023): weights 1..11 mod 11, again with 3..11,1,2
    when that gives 10; None when both give 10 (no such IIN is issued)."""
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
    return None if check == 10 else check


AKHMETOVA = ("Ахметова Жанар Серікқызы",)
SEITKALI = ("Сейтқали Нұрлан Маратұлы",)
OMAROVA = ("Омарова Айгерім Болатқызы",)
IVANOV = ("Иванов Пётр Сергеевич",)
PETROV = ("Петров Иван Ильич",)
KIM = ("Ким Виктор Андреевич",)

_RU = [
    (
        "Осуждённая ⟦name:Ахметова Жанар Серікқызы⟧ (ИИН ⟦iin:850312401235⟧) сообщила о давлении со стороны сотрудников.",
        AKHMETOVA,
    ),
    ("Со слов ⟦name:Ахметовой Жанар⟧, её перевели в ШИЗО без объяснения причин.", AKHMETOVA),
    ("⟦name:Ж. Ахметова⟧ просила не раскрывать её имя администрации.", AKHMETOVA),
    ("Беседа с ⟦name:Ахметовой Ж.С.⟧ проведена без присутствия персонала.", AKHMETOVA),
    ("Письмо от ⟦name:Ахметовой Жанар Серікқызы⟧ зарегистрировано в журнале.", AKHMETOVA),
    (
        "Родственники осуждённого ⟦name:Иванова Петра Сергеевича⟧ звонили по телефону ⟦phone:+7 701 123 45 67⟧.",
        IVANOV,
    ),
    ("Телефон адвоката заявителя: ⟦phone:8 (727) 123-45-67⟧.", ()),
    (
        "Жалобу мать направила с адреса ⟦email:zhanar.a85@mail.kz⟧ и перезвонила с номера ⟦phone:87011234567⟧.",
        (),
    ),
    ("Проживает по адресу: ⟦address:г. Алматы, ул. Абая 10, кв. 5⟧.", ()),
    ("Мать заявителя проживает по адресу ⟦address:г. Шымкент, мкр. Нурсат, д. 45, кв. 12⟧.", ()),
    ("Сестра живёт по адресу ⟦address:Караганда, пр. Бухар-Жырау 33, кв. 7⟧.", ()),
    ("Инцидент произошёл ⟦cell_date:в камере № 14 2 марта⟧, после вечерней проверки.", ()),
    ("По словам осуждённого, ⟦cell_date:2 марта в камере № 14⟧ его избили двое сотрудников.", ()),
    ("⟦cell_date:15.03.2024 в камере № 3⟧ осуждённому отказали в медицинской помощи.", ()),
    ("Осуждённый ⟦name:Ким Виктор⟧ содержался ⟦cell_date:в камере 7 с 3 по 10 января⟧.", KIM),
    ("У осуждённого ⟦name:Сейтқали Нұрлан⟧ выявлен ⟦health:туберкулёз⟧, лечение не начато.", SEITKALI),
    ("Задержанная сообщила, что у неё ⟦health:ВИЧ-инфекция⟧ и ей не выдают лекарства.", ()),
    ("В медицинской карте указан ⟦health:психиатрический диагноз⟧ (⟦health:шизофрения⟧).", ()),
    ("Осуждённая находится на шестом месяце ⟦health:беременности⟧ и содержится в общей камере.", ()),
    ("Заявитель сообщил о ⟦health:сексуальном насилии⟧ со стороны сокамерников.", ()),
    ("Осуждённый, относящий себя к ⟦health:ЛГБТ⟧, содержится отдельно «по соображениям безопасности».", ()),
    ("Жалоба ⟦name_other:Смагулова Ерлана⟧ передана прокурору области.", ()),
    ("Номер телефона дочери — ⟦phone:+7 (777) 765-43-21⟧.", ()),
    ("ИИН заявителя ⟦iin:781103307893⟧, материалы дела № 231200012345.", ()),
    (
        "Жена осуждённого, ⟦name:Омарова Айгерім⟧, прислала письмо с адреса ⟦email:aigerim.omarova@gmail.com⟧.",
        OMAROVA,
    ),
    ("Со слов ⟦name:Омаровой⟧, ей дважды отказали в длительном свидании.", OMAROVA),
    ("Показания ⟦name:Петрова И.И.⟧ совпадают с показаниями других осуждённых.", PETROV),
    ("По данным медчасти, у ⟦name:Петрова⟧ ⟦health:депрессия⟧ после ⟦health:попытки суицида⟧.", PETROV),
    ("⟦name:Нұрлан Сейтқали⟧ жаловался на ⟦health:гепатит⟧ и отсутствие лечения.", SEITKALI),
    ("Телефон ⟦phone:8-702-345-67-89⟧ принадлежит брату заявителя.", ()),
    ("Контактный телефон родственницы: ⟦phone:+7 (7172) 55-12-34⟧.", ()),
    ("Заявительница ⟦name_other:Мария Кузнецова⟧ просила сохранить конфиденциальность.", ()),
    ("Осуждённому ⟦name:Иванову⟧ (ИИН ⟦iin:991231405556⟧) не выдали копию приговора.", IVANOV),
]
_RU_NEGATIVE = [
    "Согласно Правилу 13 Правил Нельсона Манделы, помещения должны отвечать требованиям здоровья.",
    "Визит состоялся 12 марта 2024 года.",
    "В камере находилось 8 человек при лимите 6.",
    "Действия сотрудников могут содержать признаки состава ст. 146 УК РК.",
    "Рекомендация 4: обеспечить доступ к питьевой воде во всех камерах.",
    "В учреждении содержится 1 245 осуждённых, из них 312 женщин.",
    "Протокол визита № 2024-17 утверждён 15.04.2024.",
    "Площадь камеры № 5 составляет 12 кв. м на 4 человек.",
    "Согласно пункту 25 Стамбульского протокола, медицинский осмотр проводится без присутствия охраны.",
    "Регистрационный номер обращения 202400150017 от 5 марта 2024 года.",
    "Номер личного дела 240315000123 указан в журнале.",
    "С 1 по 15 марта проведено 12 визитов в 9 регионах.",
    "Статья 17 Конституции: достоинство человека неприкосновенно.",
    "Отчёт направлен в Министерство внутренних дел Республики Казахстан.",
]
_KK = [
    (
        "Сотталған ⟦name:Ахметова Жанар Серікқызы⟧ (ЖСН ⟦iin:850312401235⟧) қызметкерлердің қысымы туралы хабарлады.",
        AKHMETOVA,
    ),
    ("⟦name:Ахметованың⟧ айтуынша, оны себепсіз ШИЗО-ға ауыстырған.", AKHMETOVA),
    ("⟦name:Жанарға⟧ туыстарымен телефон арқылы сөйлесуге рұқсат берілмеген.", AKHMETOVA),
    ("Оқиға ⟦cell_date:14-камерада 2 наурызда⟧ болған.", ()),
    ("⟦cell_date:2 наурыз күні 14-камерада⟧ сотталғанды ұрып-соққан.", ()),
    ("Анасының мекенжайы: ⟦address:Астана қ., Абай даңғылы 12⟧.", ()),
    ("Ол ⟦address:Шымкент қаласы, Тәуке хан көшесі 5-үй, 17-пәтер⟧ мекенжайында тұрады.", ()),
    ("Байланыс телефоны: ⟦phone:8 701 555 12 34⟧.", ()),
    ("Ұлының нөмірі ⟦phone:+77051234567⟧.", ()),
    ("Сотталғанда ⟦health:туберкулез⟧ анықталған, бірақ емдеу басталмаған.", ()),
    ("Ұсталған әйел ⟦health:жүкті⟧ екенін айтты.", ()),
    ("Сотталған ⟦health:АИТВ⟧ жұқпасымен есепте тұр.", ()),
    ("Ол ⟦health:жыныстық зорлық-зомбылық⟧ туралы хабарлады.", ()),
    ("⟦name:Сейтқали Нұрланның⟧ шағымы прокуратураға жіберілді.", SEITKALI),
    ("Электрондық поштасы: ⟦email:n.seitkali@mail.kz⟧.", ()),
    ("⟦name:Айгерім Омарова⟧ күйеуіне хат жазды.", OMAROVA),
    ("Сотталған ⟦name:Омарова А.Б.⟧ (ЖСН ⟦iin:650405350121⟧) медициналық көмек сұрады.", OMAROVA),
    ("Оның ⟦health:психикалық ауруы⟧ бар екені медициналық картада көрсетілген.", ()),
]
_KK_NEGATIVE = [
    "Нельсон Мандела ережелерінің 13-ережесіне сәйкес камералар денсаулық талаптарына сай болуы тиіс.",
    "Бару 2024 жылғы 12 наурызда өтті.",
    "Камерада 8 адам болды.",
    "ҚР ҚК 146-бабы бойынша іс қозғалды.",
    "Мекемеде 1 245 сотталған бар.",
    "Ұсыныс 3: барлық камераларда ауыз су қолжетімді болуы тиіс.",
    "Өтініштің тіркеу нөмірі 770000123456.",
]
_EN = [
    ("Detainee ⟦name:Zhanar Akhmetova⟧ (IIN ⟦iin:010205603218⟧) reported threats by staff.", AKHMETOVA),
    ("The incident happened ⟦cell_date:in cell 14 on 2 March⟧.", ()),
    ("⟦cell_date:On 2 March, in cell No. 14⟧, two detainees were beaten.", ()),
    ("His mother can be reached at ⟦phone:+7 701 987 65 43⟧ or ⟦email:mother.k@example.com⟧.", ()),
    ("The prisoner was diagnosed with ⟦health:tuberculosis⟧ but receives no treatment.", ()),
    ("She disclosed that she is ⟦health:HIV-positive⟧.", ()),
    ("He alleged ⟦health:sexual violence⟧ by cellmates.", ()),
    ("The detainee has a ⟦health:psychiatric diagnosis⟧ of ⟦health:schizophrenia⟧.", ()),
    ("She is ⟦health:pregnant⟧ and held in a general cell.", ()),
    ("The family lives at ⟦address:12 Abay Avenue, apt. 5⟧ in Astana.", ()),
    ("The interview with ⟦name:N. Seitkali⟧ was held in private.", SEITKALI),
    ("Mr ⟦name:Kim⟧ (IIN ⟦iin:880229401110⟧) asked for a transfer.", KIM),
    ("The complaint of ⟦name_other:Aidos Zhumabayev⟧ was sent to the prosecutor.", ()),
    ("Write to ⟦email:a.omarova@example.org⟧ or call ⟦phone:8 (7212) 41-22-33⟧.", ()),
]
_EN_NEGATIVE = [
    "Rule 13 of the Nelson Mandela Rules requires adequate floor space.",
    "The visit took place on 12 March 2024.",
    "There were 8 people in a cell designed for 6.",
    "Article 146 of the Criminal Code of Kazakhstan prohibits torture.",
    "Complaint registration number 770000123456 was assigned by the prosecutor.",
    "Cell number 5 has no window.",
    "Recommendation 12 was accepted on 3 April 2024.",
]
# Mentions of a special category that name nobody: a detector of words still proposes them, and
# the editor rejects them. Scored as negatives (any span found is a false positive), on purpose.
_GENERIC = [
    ("ru", "В учреждении отсутствует программа профилактики ВИЧ."),
    ("en", "The facility has no tuberculosis screening programme."),
]

SAMPLES: tuple[Sample, ...] = (
    *(parse(m, "ru", n) for m, n in _RU),
    *(parse(m, "ru") for m in _RU_NEGATIVE),
    *(parse(m, "kk", n) for m, n in _KK),
    *(parse(m, "kk") for m in _KK_NEGATIVE),
    *(parse(m, "en", n) for m, n in _EN),
    *(parse(m, "en") for m in _EN_NEGATIVE),
    *(parse(m, lang) for lang, m in _GENERIC),
)
# Negative sentences that must produce nothing at all (the generic mentions are left out).
NEGATIVES: tuple[Sample, ...] = tuple(
    parse(m, lang)
    for lang, group in (("ru", _RU_NEGATIVE), ("kk", _KK_NEGATIVE), ("en", _EN_NEGATIVE))
    for m in group
)

# (start, end, kind) as a detector returns them.
Found = tuple[int, int, str]
Detector = Callable[[Sample], Iterable[Found]]


@dataclass
class Score:
    labelled: int = 0
    found: int = 0
    true_found: int = 0  # found spans that match a label
    recalled: int = 0  # labels matched by a found span
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.true_found / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.recalled / self.labelled if self.labelled else None


def _match(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    shared = min(a_end, b_end) - max(a_start, b_start)
    together = max(a_end, b_end) - min(a_start, b_start)
    return shared > 0 and shared * 2 >= together


def evaluate(
    detector: Detector, samples: Sequence[Sample] = SAMPLES, kinds: Sequence[str] = KINDS
) -> dict[str, Score]:
    """Precision and recall per kind; ``"person_name (given)"`` counts only the names given to
    the detector. Found spans of a kind outside ``kinds`` are ignored."""
    scores = {kind: Score() for kind in kinds}
    scores["person_name (given)"] = Score()
    for sample in samples:
        found = [f for f in detector(sample) if f[2] in kinds]
        for kind in kinds:
            labels = [lab for lab in sample.labels if lab.kind == kind]
            mine = [f for f in found if f[2] == kind]
            score = scores[kind]
            score.labelled += len(labels)
            score.found += len(mine)
            for f in mine:
                if any(_match(f[0], f[1], lab.start, lab.end) for lab in labels):
                    score.true_found += 1
                else:
                    score.wrong.append(f"{sample.text[f[0] : f[1]]!r} in {sample.text!r}")
            for lab in labels:
                hit = any(_match(f[0], f[1], lab.start, lab.end) for f in mine)
                score.recalled += hit
                if not hit:
                    score.missed.append(f"{sample.text[lab.start : lab.end]!r} in {sample.text!r}")
                if kind == "person_name" and lab.given:
                    given = scores["person_name (given)"]
                    given.labelled += 1
                    given.recalled += hit
                    if not hit:
                        given.missed.append(f"{sample.text[lab.start : lab.end]!r}")
    return scores


def table(scores: dict[str, Score]) -> str:
    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    return "\n".join(
        f"{kind:22} labelled {s.labelled:3}  found {s.found:3}  P {fmt(s.precision)}  R {fmt(s.recall)}"
        for kind, s in scores.items()
    )
