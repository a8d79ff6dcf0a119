from django.urls import path

from kefu.qa import urls_editors, views, views_feedback

app_name = "qa"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("results/", views.results, name="results"),
    path("conversations/<extid:external_id>/", views.conversation, name="conversation"),
    path(
        "conversations/<extid:external_id>/hits/<slug:indicator>/judge/",
        views_feedback.judge,
        name="hit_judge",
    ),
    path("feedback/", views_feedback.queue, name="feedback"),
    path("feedback/<int:feedback_id>/decide/", views_feedback.decide, name="feedback_decide"),
    path("agents/<int:agent_id>/", views.agent, name="agent"),
    path("me/", views.me, name="me"),
    *urls_editors.urlpatterns,  # the definition editors (views_editors.py)
]
