"""Web import/export pages (included by kefu/interactions/urls.py, app namespace
`interactions`)."""

from django.urls import path

from kefu.interactions import views_import

urlpatterns = [
    path("imports/", views_import.import_list, name="import_list"),
    path("imports/<int:job_id>/", views_import.import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress/", views_import.import_progress, name="import_progress"),
    path("imports/<int:job_id>/retry/", views_import.import_retry, name="import_retry"),
    path("imports/<int:job_id>/errors.csv", views_import.import_errors, name="import_errors"),
    path("export/", views_import.export, name="export"),
]
