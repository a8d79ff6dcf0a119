from django.urls import path

from kefu.performance.views import cycles, templates

app_name = "performance"

# Each area's page module defines `urls`; the area's main page is `performance:<area>`.
urlpatterns = [
    path("", cycles.home, name="home"),
    *cycles.urls,
    *templates.urls,
]
