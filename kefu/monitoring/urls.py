from django.urls import path

from kefu.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.console, name="console"),
    path("conversations/<extid:external_id>/", views.listen, name="listen"),
    path("conversations/<extid:external_id>/suggest/", views.suggest, name="suggest"),
    path("conversations/<extid:external_id>/<str:kind>/", views.intervene, name="intervene"),
    path("alerts/<int:alert_id>/ack/", views.acknowledge, name="acknowledge"),
    path("workspace/", views.workspace, name="workspace"),
    path("report/", views.report, name="report"),
    path("templates/", views.templates, name="templates"),
]
