from django.urls import path

from kefu.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("list/", views.review_list, name="list"),
    path("new/", views.review_new, name="new"),
    path(
        "conversations/<extid:external_id>/",
        views.review_conversation,
        name="review_conversation",
    ),
    path("<int:pk>/", views.review_detail, name="review"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/appeal/", views.appeal_create, name="appeal_create"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/", views.plan_edit, name="plan"),
    path("plans/<int:pk>/run/", views.plan_run, name="plan_run"),
    path("calibration/", views.session_list, name="sessions"),
    path("calibration/new/", views.session_new, name="session_new"),
    path("calibration/<int:pk>/", views.session_detail, name="session"),
    path("calibration/<int:pk>/close/", views.session_close, name="session_close"),
    path("calibration/<int:pk>/<int:item_pk>/", views.session_item, name="session_item"),
    path("report/", views.report, name="report"),
    path("settings/", views.settings_view, name="settings"),
]
