from django.urls import path

from kefu.performance.views import calibration, cycles, fairness, promotion, templates, transparency

app_name = "performance"

# Each area's page module defines `urls`; the area's main page is `performance:<area>`.
urlpatterns = [
    path("", cycles.home, name="home"),
    *cycles.urls,
    *templates.urls,
    # performance: fairness
    *fairness.urls,
    *calibration.urls,
    *promotion.urls,
    *transparency.urls,
]
