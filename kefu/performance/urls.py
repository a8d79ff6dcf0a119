from django.urls import path

from kefu.performance.views import (
    calibration,
    cycles,
    fairness,
    feedback,
    interviews,
    plans,
    promotion,
    ratings,
    templates,
    transparency,
)

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
    # performance: fairness
    *fairness.urls,
    *calibration.urls,
    *promotion.urls,
    *transparency.urls,
]
