from __future__ import annotations

import pytest

from dozor.api.conftest import PERSONAS
from dozor.core.models import Region
from dozor.people.models import Expertise, Organisation, Person

# people.view: coordinator, council, monitor, trainer; private contacts: coordinator only.
SEES_PEOPLE = {"coordinator", "monitor", "trainer"}


@pytest.fixture
def people(db) -> dict[str, object]:
    ngo = Organisation.objects.create(name_ru="Хартия", name_en="Charter", kind=Organisation.Kind.NGO)
    bar = Organisation.objects.create(
        name_ru="Коллегия адвокатов", kind=Organisation.Kind.BAR, region=Region.objects.get(code="AST")
    )
    lawyer = Expertise.objects.order_by("code").first()
    assert lawyer is not None
    aida = Person.objects.create(
        last_name="Ахметова",
        first_name="Аида",
        organisation=ngo,
        region=Region.objects.get(code="KGD"),
        email="aida@example.org",
        phone="+7 700 000 00 00",
    )
    aida.expertise.add(lawyer)
    boris = Person.objects.create(last_name="Борисов", first_name="Борис", organisation=bar)
    return {"ngo": ngo, "bar": bar, "aida": aida, "boris": boris, "expertise": lawyer}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ["organisations", "persons"])
def test_it_lists_people_only_to_those_who_may_see_them(client_as, people, persona, endpoint):
    response = client_as(persona).get(f"/api/v1/{endpoint}/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["count"] == (2 if persona in SEES_PEOPLE else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_retrieves_a_person_only_when_visible(client_as, people, persona):
    client = client_as(persona)
    pk = people["aida"].pk
    response = client.get(f"/api/v1/persons/{pk}/")
    org = client.get(f"/api/v1/organisations/{people['ngo'].pk}/")
    if persona == "anonymous":
        assert (response.status_code, org.status_code) == (401, 401)
    elif persona in SEES_PEOPLE:
        assert (response.status_code, org.status_code) == (200, 200)
    else:
        assert (response.status_code, org.status_code) == (404, 404)


@pytest.mark.parametrize(
    ("persona", "private"), [("coordinator", True), ("monitor", False), ("trainer", False)]
)
def test_it_shows_private_contacts_only_to_those_allowed(client_as, people, persona, private):
    client = client_as(persona)
    detail = client.get(f"/api/v1/persons/{people['aida'].pk}/").json()
    listed = next(
        row for row in client.get("/api/v1/persons/").json()["results"] if row["id"] == people["aida"].pk
    )
    for body in (detail, listed):
        assert body["full_name"] == "Ахметова Аида"
        if private:
            assert (body["email"], body["phone"]) == ("aida@example.org", "+7 700 000 00 00")
        else:
            assert "email" not in body and "phone" not in body
            assert "aida@example.org" not in str(body)


def test_it_filters_persons_by_region_and_expertise(as_monitor, people):
    def ids(**params):
        return [row["id"] for row in as_monitor.get("/api/v1/persons/", params).json()["results"]]

    assert ids(region="KGD") == [people["aida"].pk]
    assert ids(expertise=people["expertise"].code) == [people["aida"].pk]
    assert ids(region="NOPE") == []


def test_it_filters_organisations_by_kind(as_monitor, people):
    rows = as_monitor.get("/api/v1/organisations/", {"kind": "bar"}).json()["results"]
    assert [row["id"] for row in rows] == [people["bar"].pk]
    assert rows[0]["region"]["code"] == "AST"
    assert as_monitor.get("/api/v1/organisations/", {"kind": "nonsense"}).status_code == 400


def test_it_refuses_writes_to_people(as_coordinator, people):
    assert (
        as_coordinator.post(
            "/api/v1/persons/", {"last_name": "X"}, content_type="application/json"
        ).status_code
        == 405
    )
    response = as_coordinator.patch(
        f"/api/v1/organisations/{people['ngo'].pk}/", {"kind": "bar"}, content_type="application/json"
    )
    assert response.status_code == 405


@pytest.mark.parametrize("endpoint", ["persons", "organisations"])
def test_it_lists_people_in_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries, endpoint
):
    expertise = list(Expertise.objects.all()[:2])

    def make(n):
        for i in range(n):
            org = Organisation.objects.create(name_en=f"Organisation {i}", kind=Organisation.Kind.NGO)
            person = Person.objects.create(last_name=f"Фамилия{i}", first_name="Имя", organisation=org)
            person.expertise.set(expertise)

    make(3)
    with django_assert_max_num_queries(8):
        assert as_coordinator.get(f"/api/v1/{endpoint}/").json()["count"] == 3
    make(27)
    with django_assert_max_num_queries(8):
        assert as_coordinator.get(f"/api/v1/{endpoint}/").json()["count"] == 30
