from django.urls import path

from dozor.methodology import views

app_name = "methodology"
urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("import/", views.xlsform_import, name="import"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/new-draft/", views.version_new_draft, name="new_draft"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/xlsform/", views.version_xlsform, name="xlsform"),
    path("versions/<int:pk>/publish/", views.version_publish, name="publish"),
    path("versions/<int:pk>/sections/new/", views.section_add, name="section_add"),
    path(
        "versions/<int:pk>/sections/<int:section_pk>/questions/new/", views.question_add, name="question_add"
    ),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/translate/", views.question_translate, name="question_translate"),
    path("questions/<int:pk>/move/", views.question_move, name="question_move"),
    path("questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
]
