from __future__ import annotations

from dozor.planning import urls_budget, urls_plans, urls_risk

app_name = "planning"
urlpatterns = [*urls_plans.urlpatterns, *urls_risk.urlpatterns, *urls_budget.urlpatterns]
