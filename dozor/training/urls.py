from django.urls import path

from dozor.training import views

app_name = "training"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("calendar/", views.calendar, name="calendar"),
    path("needs/", views.training_needs, name="needs"),
    path("certificates/", views.certificates_due, name="certificates_due"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/report.pdf", views.programme_report_pdf, name="programme_pdf"),
    path("programmes/<int:pk>/report.xlsx", views.programme_report_xlsx, name="programme_xlsx"),
    path("programmes/<int:pk>/events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="event_cancel"),
    path("events/<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("events/<int:pk>/register/", views.enrolment_register, name="register"),
    path("events/<int:pk>/attendance/", views.attendance_save, name="attendance"),
    path("events/<int:pk>/tests/<str:kind>/", views.assessment_edit, name="assessment_edit"),
    path("events/<int:pk>/tests/<str:kind>/answers/", views.assessment_answer, name="assessment_answer"),
    path("events/<int:pk>/evaluations/paper/", views.evaluation_paper, name="evaluation_paper"),
    path("events/<int:pk>/evaluations/mine/", views.evaluation_self, name="evaluation_self"),
    path("sessions/<int:pk>/materials/new/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("enrolments/<int:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
]

# The public certificate check, mounted at /verify/ under the "verify" namespace.
verify_patterns = (
    [
        path("", views.verify_form, name="form"),
        path("<str:code>/", views.verify_certificate, name="certificate"),
    ],
    "verify",
)
