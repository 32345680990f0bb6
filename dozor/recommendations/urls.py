from django.urls import path  # noqa: F401 (feature modules add their patterns)

from dozor.recommendations import urls_recs
from dozor.recommendations.dashboard import urls as urls_dashboard
from dozor.recommendations.letters import urls as urls_letters
from dozor.recommendations.portal import urls as urls_portal
from dozor.recommendations.reprisals import urls as urls_reprisals
from dozor.recommendations.screening import urls as urls_screening

app_name = "recommendations"
urlpatterns = [
    *urls_recs.urlpatterns,
    *urls_portal.urlpatterns,
    *urls_letters.urlpatterns,
    *urls_reprisals.urlpatterns,
    *urls_dashboard.urlpatterns,
    *urls_screening.urlpatterns,
]
