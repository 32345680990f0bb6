"""The public report as a reader sees it, in Kazakh and Russian, on a phone (390 px) and a desktop
(1366 px): findings as lists with their notes, language names, no sideways scrolling, no console
error. Screenshots go to test-artifacts/public-report/."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dozor.accounts.models import User
from dozor.facilities.tests.factories import FacilityFactory
from dozor.publishing.models import PublicReport
from dozor.publishing.portal.tests.test_portal import make_report, make_version, report_url
from dozor.web.tests.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = {
    "kk": {
        "summary": "Мониторингтік топ мекемеге 2025 жылғы 12 мамырда хабарламай келді.",
        "findings": (
            "Топ медициналық көмекті және ұстау жағдайларын тексерді.\n"
            "## Медициналық көмек\n"
            "- [Елеулі] Кезекші дәрігер жоқ (2-блок): жаңа келгендер тексерілмеген [1] [2]\n"
            "- [Шамалы] Матрацтар тозған (14-камера): ауыстыру қажет [3]\n"
            "- […] тіркеу журналын көрсетпеді\n"
            "[1] Мандела ережелері, 24-ереже — Денсаулық сақтау\n"
            "[2] Мандела ережелері, 30-ереже — Медициналық тексеру\n"
            "[3] ҚАК стандарттары, 4-тармақ"
        ),
        "recommendations": "1. Кезекші дәрігер тағайындау (Денсаулық сақтау министрлігі; жоғары)\n"
        "2. Матрацтарды ауыстыру (Мекеме; төмен)",
    },
    "ru": {
        "summary": "Группа мониторинга посетила учреждение без предупреждения 12 мая 2025 года.",
        "findings": (
            "Группа проверила медицинскую помощь и условия содержания.\n"
            "## Медицинская помощь\n"
            "- [Серьёзное] Нет дежурного врача (блок 2): новоприбывших не осматривали [1] [2]\n"
            "- [Незначительное] Изношенные матрацы (камера 14): требуют замены [3]\n"
            "- […] не показал журнал регистрации\n"
            "[1] Правила Манделы, правило 24 — Здравоохранение\n"
            "[2] Правила Манделы, правило 30 — Медицинский осмотр\n"
            "[3] Стандарты ЕКПП, пункт 4"
        ),
        "recommendations": "1. Назначить дежурного врача (Министерство здравоохранения; высокий)\n"
        "2. Заменить матрацы (Учреждение; низкий)",
    },
}


def test_the_public_report_reads_as_a_document_on_a_phone_and_a_desktop(  # type: ignore[no-untyped-def]
    page,
    browser,
    live_server,
):
    _unused, console = page
    coordinator = User.objects.create_user(username="alice", password="x", role="coordinator")
    place = FacilityFactory(
        name_kk="Қарағанды қаласындағы №2 тергеу изоляторы", name_ru="Следственный изолятор №2 г. Караганды"
    )
    report = make_report(coordinator, place)
    versions = {lang: make_version(report, lang) for lang in ("kk", "ru")}
    for lang, source in SOURCE.items():
        PublicReport.objects.filter(pk=versions[lang].pk).update(source=source)
    cache.clear()
    out = ARTIFACTS / "public-report"
    out.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1366, 900)):
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        tab.on("console", console.on_console)
        tab.on("pageerror", console.on_page_error)
        for lang in ("kk", "ru"):
            tab.goto(live_server.url + report_url(versions[lang]))
            assert tab.locator("ul.findings li").count() == 3
            assert tab.locator("ol.notes li").count() == 3
            assert tab.locator("sup.note-ref a").count() == 3
            languages = tab.locator("dl.facts dd").last.inner_text()
            assert "KK" not in languages and "RU" not in languages
            overflow = tab.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (lang, width, overflow)
            tab.screenshot(path=str(out / f"public-report-{lang}-{width}.png"), full_page=True)
        context.close()
    assert console.errors == []
