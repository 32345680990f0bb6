"""The shell pages for every persona: overview, reference data, public pages, security headers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dozor.facilities.tests.factories import FacilityFactory, health_facility

pytestmark = pytest.mark.django_db

REFERENCE_PAGES = ["web:regions", "web:authorities", "web:facility_types"]


def test_anonymous_sees_only_the_public_pages(anonymous):
    home = anonymous.get(reverse("web:home"))
    assert home.status_code == 200
    assert reverse("accounts:login") in home.content.decode()
    assert anonymous.get(reverse("accounts:login")).status_code == 200
    for name in REFERENCE_PAGES:
        response = anonymous.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert anonymous.get("/api/v1/facilities/").status_code == 401


@pytest.mark.parametrize(
    "persona", ["as_coordinator", "as_council", "as_monitor", "as_liaison", "as_trainer"]
)
def test_every_staff_role_reads_reference_data(request, persona):
    client = request.getfixturevalue(persona)
    for name in REFERENCE_PAGES:
        assert client.get(reverse(name)).status_code == 200, name


def test_the_overview_counts_only_what_the_user_may_see(as_coordinator, as_liaison, as_trainer):
    FacilityFactory.create_batch(2)
    health_facility()

    def count(client):  # type: ignore[no-untyped-def]
        html = client.get(reverse("web:home")).content.decode()
        marker = 'data-testid="count-facilities">'
        return int(html.split(marker, 1)[1].split("<", 1)[0]) if marker in html else None

    assert count(as_coordinator) == 3
    assert count(as_liaison) == 2
    assert count(as_trainer) is None


def test_a_liaison_sees_only_its_authority_subtree(as_liaison, as_other_liaison):
    # Codes are matched as table cells: a bare "MZ" may occur by chance in the page's CSRF token.
    kuis = as_liaison.get(reverse("web:authorities")).content.decode()
    assert "<td>KUIS</td>" in kuis and "<td>MZ</td>" not in kuis and "<td>KNB</td>" not in kuis
    mz = as_other_liaison.get(reverse("web:authorities")).content.decode()
    assert "<td>MZ</td>" in mz and "<td>KUIS</td>" not in mz


def test_the_menu_offers_only_what_the_role_may_use(as_trainer, as_liaison, as_coordinator):
    trainer = as_trainer.get(reverse("web:home")).content.decode()
    assert reverse("facilities:list") not in trainer and reverse("accounts:audit") not in trainer
    liaison = as_liaison.get(reverse("web:home")).content.decode()
    assert reverse("people:person_list") not in liaison
    coordinator = as_coordinator.get(reverse("web:home")).content.decode()
    assert reverse("accounts:audit") in coordinator


def test_every_page_sends_security_headers(anonymous):
    response = anonymous.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_assets_are_served_locally(as_coordinator):
    html = as_coordinator.get(reverse("facilities:list")).content.decode()
    assert "https://" not in html.replace("https://www.w3.org", "")
    assert "/static/django_htmx/htmx-2.min.js" in html or "htmx" in html
