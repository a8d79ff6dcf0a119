from django.urls import path

from kefu.assignment import views, views_profiles

app_name = "assignment"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("conversations/<extid:external_id>/", views.decisions, name="decisions"),
    path("conversations/<extid:external_id>/reassign/", views.reassign, name="reassign"),
    path("settings/", views.settings_view, name="settings"),
    path("agents/", views_profiles.profiles, name="profiles"),
    path("agents/<extid:external_id>/", views_profiles.profile, name="profile"),
    path("effect/", views.effect, name="effect"),
]
