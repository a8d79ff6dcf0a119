from django.urls import path

from kefu.performance.views import cycles, feedback, interviews, plans, ratings, templates

app_name = "performance"

# Each area's page module defines `urls`; the area's main page is `performance:<area>`.
urlpatterns = [
    path("", cycles.home, name="home"),
    *cycles.urls,
    *templates.urls,
    # performance: methods
    *ratings.urls,
    *feedback.urls,
    *interviews.urls,
    *plans.urls,
]
