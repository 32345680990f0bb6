"""API URLs: the OpenAPI schema and its docs page (public: they describe shapes, not data) and /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api import views

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

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny], authentication_classes=[]),
        name="docs",
    ),
    path("v1/", include(router.urls)),
]
