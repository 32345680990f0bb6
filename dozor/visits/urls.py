from django.urls import path

from dozor.visits import (
    urls_documents,
    urls_evidence,
    urls_findings,
    urls_interviews,
    urls_record,
    urls_reports,
    views,
)

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_create, name="create"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/checklist/", views.checklist, name="checklist"),
    *urls_findings.urlpatterns,
    *urls_interviews.urlpatterns,
    *urls_evidence.urlpatterns,
    *urls_documents.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_record.urlpatterns,
]
