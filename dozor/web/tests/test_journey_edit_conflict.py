"""Journey: on a phone, in Russian, a coordinator saves a place that a colleague changed while the
form was open: the page answers 409, shows the colleague's values beside hers, keeps what she
typed, and fits the screen. Photographed into test-artifacts/h6a/conflict-ru-390.png."""

from __future__ import annotations

import pytest

from conftest import PASSWORD, client_for, make_user
from dozor.accounts.models import Role
from dozor.facilities.forms import FacilityForm
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory
from dozor.web.tests.browser import ConsoleWatcher, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_data(facility: Facility, **changes: object) -> dict[str, object]:
    """What the edit page of ``facility`` posts unchanged, with ``changes``."""
    data: dict[str, object] = {"revision": facility.revision}
    for name, value in FacilityForm.initial_from(facility).items():
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = "" if value is None else getattr(value, "pk", value)
    return data | changes


def test_it_shows_a_stale_edit_on_a_phone_in_russian(page, browser, live_server):  # type: ignore[no-untyped-def]
    make_user("alice", Role.COORDINATOR)
    bob = client_for(make_user("bob", Role.COORDINATOR))
    facility = FacilityFactory(
        name_ru="Изолятор временного содержания города Усть-Каменогорск",
        settlement="Усть-Каменогорск",
        capacity=40,
        notes="",
    )
    console = ConsoleWatcher()
    context, phone = sign_in(browser, live_server, "alice", console, language="ru", password=PASSWORD)
    phone.set_viewport_size({"width": 390, "height": 844})
    edit = f"{live_server.url}/places/{facility.pk}/edit/"
    phone.goto(edit)

    # Bob saves first, while Alice's form is open at revision 0
    response = bob.post(
        edit.removeprefix(live_server.url), post_data(facility, notes="Проверено 3 марта.", capacity=44)
    )
    assert response.status_code == 302

    phone.fill("#id_notes", "Камеры переполнены, нужна повторная проверка.")
    with phone.expect_response(lambda r: r.url == edit and r.request.method == "POST") as answer:
        phone.click("[data-testid=save-facility]")
    assert answer.value.status == 409
    conflict = phone.locator("[data-testid=conflict]")
    assert "Проверено 3 марта." in conflict.inner_text()
    assert phone.input_value("#id_notes") == "Камеры переполнены, нужна повторная проверка."
    assert phone.input_value("input[name=revision]") == "1"
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(phone, "h6a/conflict-ru-390")
    context.close()
    # Chromium reports the 409 document itself as a failed resource: that one is the point
    assert [e for e in console.errors if "status of 409" not in e] == []
