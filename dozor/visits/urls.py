from django.urls import path

from dozor.visits import views
from dozor.visits.evidence import urls as urls_evidence
from dozor.visits.findings import urls as urls_findings
from dozor.visits.interviews import urls as urls_interviews
from dozor.visits.record import urls as urls_record
from dozor.visits.reports import document_urls as urls_documents
from dozor.visits.reports import urls as urls_reports

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_create, name="create"),
    # "<int:pk>/" (name "detail"), the visit page, is composed above: dozor/web/visit_page.py.
    path("<int:pk>/checklist/", views.checklist, name="checklist"),
    *urls_findings.urlpatterns,
    *urls_interviews.urlpatterns,
    *urls_evidence.urlpatterns,
    *urls_documents.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_record.urlpatterns,
]
