from __future__ import annotations

from dozor.planning import urls_plans
from dozor.planning.budget import urls as urls_budget
from dozor.planning.register import urls as urls_register
from dozor.planning.risk import urls as urls_risk

app_name = "planning"
urlpatterns = [
    *urls_plans.urlpatterns,
    *urls_risk.urlpatterns,
    *urls_budget.urlpatterns,
    *urls_register.urlpatterns,
]
