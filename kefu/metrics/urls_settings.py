"""Routes of the KPI settings pages (targets, benchmark sets, improvement actions) and
the monthly review workbook."""

from django.urls import path

from kefu.metrics import views_settings as views

urlpatterns: list = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/targets/", views.target_save, name="settings_target_save"),
    path(
        "settings/targets/<int:target_id>/delete/",
        views.target_delete,
        name="settings_target_delete",
    ),
    path("settings/benchmarks/", views.benchmark_create, name="settings_benchmark_create"),
    path(
        "settings/benchmarks/<int:set_id>/rename/",
        views.benchmark_rename,
        name="settings_benchmark_rename",
    ),
    path(
        "settings/benchmarks/<int:set_id>/delete/",
        views.benchmark_delete,
        name="settings_benchmark_delete",
    ),
    path(
        "settings/benchmarks/<int:set_id>/values/",
        views.benchmark_value_save,
        name="settings_benchmark_value_save",
    ),
    path(
        "settings/benchmark-values/<int:value_id>/delete/",
        views.benchmark_value_delete,
        name="settings_benchmark_value_delete",
    ),
    path("settings/actions/", views.improvement_add, name="settings_improvement_add"),
    path(
        "settings/actions/<int:action_id>/delete/",
        views.improvement_delete,
        name="settings_improvement_delete",
    ),
    path("review.xlsx", views.review_export, name="review_export"),
]
