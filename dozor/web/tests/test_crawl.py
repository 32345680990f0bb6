"""The outside-in crawl (issue 14, "Must hold"): Dozor as each persona sees it, in Kazakh and Russian
(and a sample in English), on a desktop (1366 x 768) and a phone (390 x 844).

Every persona (coordinator, council, monitor, liaison, other_liaison, trainer, anonymous) opens the
demo data set, follows every link of its menu (the public links for anonymous) and, from each of those
pages, one page of each kind they link to (resolved to a Django view name, so that /places/7/ and
/places/9/ count once). On every page:

- no console error and no failed request (4xx/5xx or a request the browser could not make);
- the page never scrolls sideways (``scrollWidth <= innerWidth``) at either width;
- in kk and ru no visible interface string is left in English: a visible text node, placeholder,
  label or button caption that is an English msgid of the catalogues (locale/*/django.po) fails;
- axe-core (vendored for the tests only, dozor/web/tests/vendor/axe-core) finds no serious or
  critical violation, nor the heading-order and empty-table-header defects the issue named.

To stay within a few minutes, the language check runs once per (page kind, language) at desktop
width, and axe once per (page kind, language): in Kazakh at desktop width, in Russian at phone width
(the folded menu, stacked facts and scrolling tables get their own audit); the console, request and
overflow checks run on every page at both widths. Known, named defects not fixed yet are listed in
KNOWN_PROBLEMS (reported, not failing); "time by step" in the output shows where the minutes go.
Screenshots of each persona's menu pages in Kazakh at both widths go to test-artifacts/crawl/.

Run with ``pytest -m crawl`` (``.ci/run`` does; the default run leaves it out, pyproject.toml).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from dozor.web.tests.browser import ARTIFACTS

pytestmark = [pytest.mark.crawl, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("kk", "ru")
ENGLISH_SAMPLE = 4  # menu pages per persona also opened in English (console, requests, overflow)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "crawl"
LOCALE = Path(settings.BASE_DIR) / "locale"

# Never followed: the API (JSON and a third-party Swagger page), the language switch, static files.
SKIPPED_PREFIXES = ("/api/", "/i18n/", "/static/", "/media/", "/favicon.ico", "/healthz")
# Views that answer with a file or act on GET are recognised by the browser starting a download;
# these path endings are files for sure and are not even tried.
FILE_SUFFIXES = (
    *(".csv", ".pdf", ".docx", ".xlsx", ".ods", ".zip", ".json", ".xml", ".svg", ".png", ".ics"),
    *(".atom", ".rss", ".txt"),
)
# Axe rules that fail the crawl besides every serious or critical one: defects the issue named.
AXE_EXTRA_RULES = {"heading-order", "empty-table-header"}

# Known defects, each (view name, start of the problem) with the reason it is not fixed yet: reported
# by the crawl but not failing it. Only single, named defects belong here, never a whole category;
# an entry the crawl no longer meets is reported as stale (remove it).
KNOWN_PROBLEMS: dict[tuple[str, str], str] = {}

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""

LAYOUT = "() => document.scrollingElement.scrollWidth - window.innerWidth"

# Visible interface text: text nodes of visible elements, option captions of visible selects,
# placeholders, button values and accessible names given in attributes. Text inside an element in
# another language (lang="en" on the language switch), code, or marked translate="no" is not
# interface text; neither is anything the user typed.
VISIBLE_TEXT = """() => {
  const lang = document.documentElement.lang;
  const out = new Set();
  const foreign = (el) => {
    const own = el.closest("[lang]");
    return (own && own.lang !== lang) || el.closest("code, pre, kbd, samp, script, style, [translate=no]");
  };
  const shown = (el) => el.checkVisibility({checkVisibilityCSS: true}) && el.getClientRects().length > 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const el = node.parentElement;
    if (!text || !el || foreign(el)) continue;
    if (el.tagName === "OPTION") {
      const select = el.closest("select");
      if (select && shown(select)) out.add(text);
    } else if (shown(el)) {
      out.add(text);
    }
  }
  for (const el of document.querySelectorAll(
      "[placeholder], [aria-label], [title], img[alt], input[type=submit][value], input[type=button][value]")) {
    if (foreign(el)) continue;
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const value = el.getAttribute(name);
      if (value) out.add(value.replace(/\\s+/g, " ").trim());
    }
    if (el.tagName === "INPUT" && el.value) out.add(el.value.trim());
  }
  return Array.from(out);
}"""

# (an <a> inside an SVG map has no string .href: its attribute is resolved instead)
LINKS = """(scope) => Array.from(document.querySelectorAll(scope))
  .filter((a) => !a.hasAttribute("download") && !a.closest("[hidden]"))
  .map((a) => new URL(a.getAttribute("href"), document.baseURI).href)"""


@dataclass
class Persona:
    name: str
    username: str | None  # None: anonymous


PERSONAS = (
    Persona("coordinator", "coordinator"),
    Persona("council", "council"),
    Persona("monitor", "monitor"),
    Persona("liaison", "liaison"),
    Persona("other_liaison", "other_liaison"),
    Persona("trainer", "trainer"),
    Persona("anonymous", None),
)


@dataclass
class Crawl:
    """Shared state of one crawl: what was found, and what was already checked once."""

    base_url: str
    english_msgids: frozenset[str]
    problems: list[str] = field(default_factory=list)
    known: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # KNOWN_PROBLEMS met
    audited: set[tuple[str, str]] = field(default_factory=set)  # (view name, language): axe + language
    photographed: set[str] = field(default_factory=set)
    downloads: set[str] = field(default_factory=set)  # view names that answer with a file
    loads: int = 0
    seconds: Counter[str] = field(default_factory=Counter)  # where the time went, by step

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[step] += time.monotonic() - started

    def fail(self, persona: str, language: str, width: int, url: str, problem: str) -> None:
        line = f"{persona} · {language} · {width}px · {self.path(url)}: {problem}"
        kind = view_name(self, url)
        for key in KNOWN_PROBLEMS:
            if key[0] == kind and problem.startswith(key[1]):
                self.known.setdefault(key, []).append(line)
                return
        self.problems.append(line)

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Watcher:
    """Console errors and failed requests of one page, since the last reset."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.errors: list[str] = []
        self.base_url = base_url
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("response", self.on_response)
        page.on("requestfailed", self.on_request_failed)

    def reset(self) -> None:
        self.errors = []

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"request failed: {response.status} {response.request.method} {response.url}")

    def on_request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # A download the crawl declined, or a request cut short by the next navigation: not a fault.
        if "ERR_ABORTED" in failure:
            return
        self.errors.append(f"request failed: {failure} {request.method} {request.url}")


def english_msgids() -> frozenset[str]:
    """Every English msgid of the Kazakh and Russian catalogues that should not appear as is: those
    whose translation differs (an msgid translated by itself, such as "PDF", is fine) or is missing."""
    import polib

    msgids: set[str] = set()
    for language in LANGUAGES:
        for entry in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")):
            if entry.obsolete:
                continue
            candidates = [(entry.msgid, entry.msgstr)]
            if entry.msgid_plural:
                forms = list(entry.msgstr_plural.values())
                candidates = [(entry.msgid, forms[0] if forms else ""), (entry.msgid_plural, "")]
            for msgid, msgstr in candidates:
                text = " ".join(msgid.split())
                # Only whole interface strings: a placeholder-bearing msgid never appears verbatim,
                # and a string without two Latin letters in a row is not English.
                if msgstr.strip() == msgid.strip() or "%" in text or "{" in text:
                    continue
                if re.search(r"[A-Za-z]{2}", text):
                    msgids.add(text)
    return frozenset(msgids)


def untranslated(texts: Iterable[str], msgids: frozenset[str]) -> list[str]:
    found = []
    for text in texts:
        for candidate in (text, text.rstrip(":*… ").strip()):
            if candidate in msgids:
                found.append(candidate)
                break
    return sorted(set(found))


def view_name(crawl: Crawl, url: str) -> str | None:
    """The Django view a same-site link leads to (its kind), or None for a link not to crawl."""
    parts = urlsplit(url)
    if urlsplit(crawl.base_url).netloc != parts.netloc:
        return None
    if parts.path.startswith(SKIPPED_PREFIXES) or parts.path.lower().endswith(FILE_SUFFIXES):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return f"unresolved:{parts.path}"  # reported as a failed request when opened
    return match.view_name


def open_page(tab: Any, watcher: Watcher, crawl: Crawl, url: str) -> bool:
    """Opens ``url``; False when it turned out to be a file download or not an HTML page (a feed)."""
    watcher.reset()
    crawl.loads += 1
    try:
        response = tab.goto(url, wait_until="load")
    except Exception as error:  # Playwright raises on a navigation that becomes a download
        if "Download is starting" in str(error) or "ERR_ABORTED" in str(error):
            return False
        raise
    content_type = response.headers.get("content-type", "") if response is not None else ""
    return not content_type or content_type.startswith("text/html")


class Tab:
    """One browser tab at a fixed width, with the watcher of what goes wrong on it."""

    def __init__(self, context: Any, crawl: Crawl, viewport: dict[str, int]) -> None:
        self.page = context.new_page()
        self.page.set_viewport_size(viewport)
        self.page.set_default_timeout(30000)
        self.width = viewport["width"]
        self.watcher = Watcher(self.page, crawl.base_url)
        self.crawl = crawl

    def check(self, persona: str, language: str, url: str, *, words: bool = False, axe: bool = False) -> bool:
        """Opens and checks ``url``; with ``words``, also the interface language (kk, ru), with
        ``axe``, also axe-core.
        False when the link was a file download."""
        crawl, page = self.crawl, self.page

        def fail(problem: str) -> None:
            crawl.fail(persona, language, self.width, url, problem)

        with crawl.timed("load"):
            is_page = open_page(page, self.watcher, crawl, url)
        if not is_page:
            for error in self.watcher.errors:
                fail(error)
            return False
        overflow = page.evaluate(LAYOUT)
        if overflow > 0:
            fail(f"the page scrolls sideways by {overflow} px")
        if words and language in LANGUAGES:
            with crawl.timed("language"):
                texts = page.evaluate(VISIBLE_TEXT)
            for text in untranslated(texts, crawl.english_msgids):
                fail(f"untranslated interface string {text!r}")
        if axe:
            with crawl.timed("axe"):
                violations = page.evaluate(AXE_RUN)
            for violation in violations:
                if violation["impact"] in {"serious", "critical"} or violation["id"] in AXE_EXTRA_RULES:
                    where = "; ".join(violation["targets"])
                    fail(f"axe {violation['impact']} {violation['id']} ({violation['help']}) at {where}")
        for error in self.watcher.errors:
            fail(error)
        return True

    def photograph(self, persona: str, url: str) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", self.crawl.path(url).lower()).strip("-") or "home"
        name = f"{slug}-kk-{self.width}"
        key = f"{persona}-{name}" if slug == "home" else name  # the home page differs by role
        if key in self.crawl.photographed:
            return
        self.crawl.photographed.add(key)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with self.crawl.timed("screenshot"):
            self.page.screenshot(path=str(SCREENSHOTS / f"{persona}-{name}.png"), full_page=True)


def crawl_persona(crawl: Crawl, context: Any, persona: Persona, progress: Callable[[str], None]) -> None:
    """The persona's menu pages, then one page of each kind they link to that no earlier persona
    reached. A menu page whose kind an earlier persona already checked is opened again in Kazakh
    only, at both widths (desktop also finds its links): its buttons differ by role, but axe, the
    language check and the Russian pass are not redone."""
    # axe is loaded into every page before the page's own scripts (the strict
    # Content-Security-Policy forbids adding it as a script element)
    desktop, phone = Tab(context, crawl, DESKTOP), Tab(context, crawl, PHONE)
    desktop.page.add_init_script(path=str(AXE))
    phone.page.add_init_script(path=str(AXE))

    def set_language(language: str) -> None:
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": crawl.base_url}]
        )

    set_language("kk")
    desktop.page.goto(crawl.base_url + "/")
    scope = "nav.sidenav a[href]" if persona.username else "main a[href], header a[href]"
    menu = [crawl.base_url + "/"]
    for href in desktop.page.evaluate(LINKS, scope):
        if view_name(crawl, href):
            menu.append(href.split("#")[0])
    menu = list(dict.fromkeys(menu))
    pages: dict[str, str] = {url: view_name(crawl, url) or url for url in menu}  # url -> its kind

    for language in LANGUAGES:
        set_language(language)
        for url, kind in list(pages.items()) if language != "kk" else _growing(pages):
            first = (kind, language) not in crawl.audited
            in_menu = url in menu
            if first or (in_menu and language == "kk"):  # kk desktop also finds the linked pages
                # axe: in Kazakh at desktop width, in Russian at phone width (below)
                if not desktop.check(
                    persona.name, language, url, words=first, axe=first and language == "kk"
                ):
                    crawl.downloads.add(kind)
                    pages.pop(url, None)
                    continue
                crawl.audited.add((kind, language))
                if language == "kk" and in_menu:
                    desktop.photograph(persona.name, url)
                    seen = {*pages.values(), *crawl.downloads, *(k for k, _ in crawl.audited)}
                    for href in desktop.page.evaluate(LINKS, "main a[href]"):
                        href = href.split("#")[0]
                        linked = view_name(crawl, href)
                        if linked and linked not in seen:
                            seen.add(linked)
                            pages[href] = linked
            if first or (in_menu and language == "kk"):
                phone.check(persona.name, language, url, axe=first and language != "kk")
                if language == "kk" and in_menu:
                    phone.photograph(persona.name, url)
        if language == "kk":
            progress(f"{persona.name}: {len(menu)} menu pages, {len(pages)} pages in all")
    set_language("en")
    for url in menu[:ENGLISH_SAMPLE]:
        desktop.check(persona.name, "en", url)
        phone.check(persona.name, "en", url)
    desktop.page.close()
    phone.page.close()


def _growing(pages: dict[str, str]) -> Iterable[tuple[str, str]]:
    """The items of ``pages``, including those added while iterating."""
    done: set[str] = set()
    while True:
        todo = [(url, kind) for url, kind in pages.items() if url not in done]
        if not todo:
            return
        for url, kind in todo:
            done.add(url)
            if url in pages:
                yield url, kind


def run_crawl(
    browser: Any,
    base_url: str,
    session_cookie: Callable[[Persona], dict[str, str] | None],
    progress: Callable[[str], None] = print,
    personas: Iterable[Persona] = PERSONAS,
) -> Crawl:
    crawl = Crawl(base_url=base_url, english_msgids=english_msgids())
    for persona in personas:
        started = time.monotonic()
        context = browser.new_context(locale="ru-RU", viewport=DESKTOP)
        cookie = session_cookie(persona)
        if cookie:
            context.add_cookies([{**cookie, "url": base_url}])
        crawl_persona(crawl, context, persona, progress)
        context.close()
        progress(f"{persona.name}: {time.monotonic() - started:.0f} s, {crawl.loads} page loads so far")
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in crawl.seconds.most_common())
    progress(f"time by step: {steps}")
    for key, reason in KNOWN_PROBLEMS.items():
        met = crawl.known.get(key)
        progress(
            f"known problem {key}: {len(met)} times ({reason})" if met else f"stale known problem: {key}"
        )
    return crawl


@pytest.fixture
def demo_sessions(live_server) -> Callable[[Persona], dict[str, str] | None]:  # type: ignore[no-untyped-def]
    """The demo data set with its logins, plus a liaison of the Ministry of Health (the persona who
    must see none of the Penal Correction Committee's data); a session cookie for each persona."""
    from django.core.management import call_command
    from django.test import Client

    from dozor.accounts.models import Role, User
    from dozor.core.models import Authority
    from dozor.packs import pack_load

    pack_load(code="kz")  # transactional tests start from a flushed database
    call_command("demo", verbosity=0)
    User.objects.create_user(
        username="other_liaison",
        password=settings.DOZOR_DEMO_PASSWORD,
        role=Role.LIAISON,
        authority=Authority.objects.get(code="MZ"),
        first_name="Demo",
        last_name="Liaison (MZ)",
    )

    def session_cookie(persona: Persona) -> dict[str, str] | None:
        if persona.username is None:
            return None
        client = Client()
        client.force_login(User.objects.get(username=persona.username))
        return {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }

    return session_cookie


def test_it_shows_every_persona_a_clean_accessible_translated_site_at_both_widths(
    browser, live_server, demo_sessions
):  # type: ignore[no-untyped-def]
    crawl = run_crawl(browser, live_server.url, demo_sessions)
    assert crawl.loads > 200, crawl.loads  # the crawl really went through the site
    assert not crawl.problems, f"{len(crawl.problems)} problems:\n" + "\n".join(crawl.problems)
