from django.urls import path

from kefu.metrics import urls_settings, views

app_name = "metrics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("trends/", views.trends, name="trends"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("agents/<int:agent_id>/", views.agent, name="agent"),
    path("me/", views.me, name="me"),
    path("workload/", views.workload, name="workload"),
    path("drivers/", views.drivers, name="drivers"),
    path("conversations/", views.conversations, name="conversations"),
    *urls_settings.urlpatterns,
]
