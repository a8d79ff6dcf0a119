from django.urls import path

from kefu.improvement import views, views_analysis

app_name = "improvement"

urlpatterns = [
    path("", views.home, name="home"),
    path("problem/", views.problem, name="problem"),
    path("review/", views.review, name="review"),
    path("taxonomy/", views.taxonomy, name="taxonomy"),
    path("classifier/", views.classifier, name="classifier"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/actions/", views.project_action, name="project_action"),
    *views_analysis.urls,  # analyses (5-Why, fishbone, retrospectives) and hand-offs
]
