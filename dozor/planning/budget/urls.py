"""URL patterns of the planning pages (budget); included by planning/urls.py (app "planning",
mounted at /planning/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.planning.budget import views as views_budget

urlpatterns: list[URLPattern] = [
    path("plans/<int:pk>/budget/", views_budget.plan_budget, name="plan_budget"),
    path("plans/<int:pk>/actuals/", views_budget.plan_actuals, name="plan_actuals"),
    path("plans/<int:pk>/actuals.xlsx", views_budget.plan_actuals_xlsx, name="plan_actuals_xlsx"),
    path("visits/<int:pk>/expenses/new/", views_budget.expense_create, name="expense_create"),
    path("rates/", views_budget.rates, name="rates"),
]
