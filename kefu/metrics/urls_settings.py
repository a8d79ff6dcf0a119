"""Routes of the KPI settings pages (targets, benchmark sets, improvement actions) and
the monthly review workbook."""

from django.urls import path

from kefu.metrics import views_settings

urlpatterns: list = [
    path("settings/", views_settings.settings_page, name="settings"),
    path("review.xlsx", views_settings.review_export, name="review_export"),
]
