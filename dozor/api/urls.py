"""API URLs: the OpenAPI schema and its docs page (public: they describe shapes, not data) and /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from dozor.api import tokens, views
from dozor.api.methodology import views as views_methodology
from dozor.api.planning import views as views_planning
from dozor.api.recommendations import views as views_recommendations
from dozor.api.training import views as views_training
from dozor.api.visits import views as views_visits

app_name = "api"

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("facility-types", views.FacilityTypeViewSet, basename="facility-type")
router.register("population-categories", views.PopulationCategoryViewSet, basename="population-category")
router.register("visit-types", views.VisitTypeViewSet, basename="visit-type")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("occupancy", views.OccupancyViewSet, basename="occupancy")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("persons", views.PersonViewSet, basename="person")
router.register("themes", views_methodology.ThemeViewSet, basename="theme")
router.register("instruments", views_methodology.InstrumentViewSet, basename="instrument")
router.register("provisions", views_methodology.ProvisionViewSet, basename="provision")
router.register(
    "checklist-templates", views_methodology.ChecklistTemplateViewSet, basename="checklist-template"
)
router.register("template-versions", views_methodology.TemplateVersionViewSet, basename="template-version")
router.register("xlsform-import", views_methodology.XLSFormImportViewSet, basename="xlsform-import")
router.register("visits", views_methodology.VisitViewSet, basename="visit")
router.register("findings", views_visits.FindingViewSet, basename="finding")
router.register("visit-reports", views_visits.ReportViewSet, basename="visit-report")
router.register("training-programmes", views_training.ProgrammeViewSet, basename="training-programme")
router.register("training-events", views_training.EventViewSet, basename="training-event")
router.register("certificates", views_training.CertificateViewSet, basename="certificate")
router.register("competencies", views_training.CompetencyViewSet, basename="competency")
router.register("plans", views_planning.PlanViewSet, basename="plan")
router.register("planned-visits", views_planning.PlannedVisitViewSet, basename="planned-visit")
router.register("risk-scores", views_planning.RiskScoreViewSet, basename="risk-score")
router.register("incidents", views_planning.IncidentViewSet, basename="incident")
router.register("cost-rates", views_planning.CostRateViewSet, basename="cost-rate")
router.register("proposals", views_planning.ProposalViewSet, basename="proposal")
# Recommendations and their follow-up; reprisal cases deliberately have no endpoints.
router.register(
    "recommendation-statuses",
    views_recommendations.RecommendationStatusViewSet,
    basename="recommendation-status",
)
router.register("recommendations", views_recommendations.RecommendationViewSet, basename="recommendation")
router.register("responses", views_recommendations.ResponseViewSet, basename="response")
router.register("letters", views_recommendations.LetterViewSet, basename="letter")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # Exactly /api/docs/: dozor.web.middleware relaxes the CSP only for paths starting with /api/docs.
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/token/", tokens.TokenView.as_view(), name="token"),
    path("v1/", include(router.urls)),
]
