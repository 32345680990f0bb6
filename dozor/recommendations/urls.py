from django.urls import path  # noqa: F401 (feature modules add their patterns)

from dozor.recommendations import urls_dashboard, urls_letters, urls_portal, urls_recs, urls_reprisals

app_name = "recommendations"
urlpatterns = [
    *urls_recs.urlpatterns,
    *urls_portal.urlpatterns,
    *urls_letters.urlpatterns,
    *urls_reprisals.urlpatterns,
    *urls_dashboard.urlpatterns,
]
