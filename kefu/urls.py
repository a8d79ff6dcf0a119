from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from kefu import views
from kefu.api import api

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page declares; as a 404 it rendered a page
    # with a form, whose new CSRF cookie could replace the log-in page's mid-load.
    path("favicon.ico", RedirectView.as_view(url=static("kefu/favicon.svg"), permanent=True)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("kefu.interactions.urls")),
    path("metrics/", include("kefu.metrics.urls")),
    path("sla/settings/", include("kefu.sla.urls")),
    path("sla/", include("kefu.metrics.urls_sla")),
    path("qa/", include("kefu.qa.urls")),
    path("workforce/", include("kefu.workforce.urls")),
    path("live/", include("kefu.monitoring.urls")),
    path("risk/", include("kefu.customers.urls")),
    path("routing/", include("kefu.assignment.urls")),
    path("reviews/", include("kefu.reviews.urls")),
    path("training/", include("kefu.training.urls")),
    path("performance/", include("kefu.performance.urls")),
    path("improvement/", include("kefu.improvement.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("notifications/", include("kefu.notifications.urls")),
    path("audit/", include("kefu.audit.urls")),
    path("people/", include("kefu.accounts.urls")),
    path("api/", api.urls),
    # Anything else under /api/ (an id that is not a number, an unknown path) is answered
    # in JSON like the API's own 404, not with the HTML page.
    re_path(r"^api/", views.api_not_found),
    path("admin/", admin.site.urls),
]
