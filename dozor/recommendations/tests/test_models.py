"""The rules of one recommendation: ``clean()`` words them (the services report them with the
rules across rows, every problem at once), the database's constraints hold every row to them."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from dozor.recommendations.models import Recommendation
from dozor.recommendations.tests.factories import ISSUED, kuis_place, recommendation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "change",
    [
        {"deadline": ISSUED - datetime.timedelta(days=1)},
        {"facility": None},  # addressed to the place's management
        {"addressee": Recommendation.Addressee.AUTHORITY, "authority": None},
    ],
)
def test_the_database_holds_the_same_rules(coordinator, change):
    made = recommendation(coordinator, None, facility=kuis_place())
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.filter(pk=made.pk).update(**change)


def test_government_and_parliament_need_neither_place_nor_authority(coordinator):
    made = recommendation(coordinator, None, facility=kuis_place())
    Recommendation.objects.filter(pk=made.pk).update(
        addressee=Recommendation.Addressee.PARLIAMENT, facility=None, authority=None
    )
