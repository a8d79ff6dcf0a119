from django.urls import path

from kefu.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("parameters/<str:channel>/", views.parameters_save, name="parameters_save"),
    path("rosters/build/", views.roster_build, name="roster_build"),
    path("rosters/<int:roster_id>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:roster_id>/roster.xlsx", views.roster_export, name="roster_export"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/events/", views.event_add, name="event_add"),
    path("settings/events/<int:event_id>/delete/", views.event_delete, name="event_delete"),
    path("settings/templates/", views.template_add, name="template_add"),
    path(
        "settings/templates/<int:template_id>/delete/",
        views.template_delete,
        name="template_delete",
    ),
    path("my-shifts/", views.my_shifts, name="my_shifts"),
]
