from django.urls import path

from kefu.qa import urls_editors, views

app_name = "qa"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("results/", views.results, name="results"),
    path("conversations/<extid:external_id>/", views.conversation, name="conversation"),
    path("agents/<int:agent_id>/", views.agent, name="agent"),
    path("me/", views.me, name="me"),
    *urls_editors.urlpatterns,  # the definition editors (views_editors.py)
]
