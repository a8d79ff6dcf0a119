from django.urls import path

from kefu.assignment import views

app_name = "assignment"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("conversations/<extid:external_id>/", views.decisions, name="decisions"),
    path("conversations/<extid:external_id>/reassign/", views.reassign, name="reassign"),
    path("settings/", views.settings_view, name="settings"),
    path("effect/", views.effect, name="effect"),
]
