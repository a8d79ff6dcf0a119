from django.urls import path

from kefu.training.views import (
    assignments,
    certification,
    courses,
    exams,
    home,
    practice,
    records,
    sessions,
)

app_name = "training"

urlpatterns = [
    path("", home.home, name="home"),
    *courses.urls,
    *sessions.urls,
    *exams.urls,
    *practice.urls,
    *assignments.urls,
    *certification.urls,
    *records.urls,
]
