"""The API keeps its contract under generated input (issue 15, "Must hold"): schemathesis reads
/api/schema/ from the Django app (WSGI, in-process) and sends every operation a bounded number of
generated requests as the coordinator (a token, so writes need no CSRF token). No answer may be a
server error, fall outside the documented schema, or carry an undocumented status code.

Not in the default run (``-m schemathesis``; .ci/run runs it as a step of its own): each operation
gets ``EXAMPLES`` cases (``DOZOR_SCHEMATHESIS_EXAMPLES`` to ask for more), which keeps the whole
run within a few minutes on two cores.

The schema is loaded inside the test, never at import: collecting the suite must touch no database
(``schemathesis.pytest.from_fixture`` would do that too, but its node renaming does not work with
pytest 9, so the operations are walked here, one subtest each, with hypothesis driving the cases).
Run one operation with ``DOZOR_SCHEMATHESIS_ONLY="GET /api/v1/facilities/"``."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dozor.accounts.models import User

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("DOZOR_SCHEMATHESIS_EXAMPLES", "10"))  # ~3 minutes on two cores
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _run_operation(operation: Any, coordinator: User) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        cache.clear()  # the throttles count per user in the cache
        # A token per case: DELETE /api/v1/token/ revokes the one it is called with.
        _instance, key = AuthToken.objects.create(user=coordinator)
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)

    run()


def test_it_keeps_the_api_contract(coordinator: User, subtests: Any) -> None:
    # Django's own WSGI handler, not dozor.wsgi: that module checks the key canary when imported.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    only = os.environ.get("DOZOR_SCHEMATHESIS_ONLY")
    walked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if only and operation.label != only:
            continue
        walked += 1
        with subtests.test(msg=operation.label):
            _run_operation(operation, coordinator)
    assert walked, "no operation in /api/schema/ (or none matches DOZOR_SCHEMATHESIS_ONLY)"
