from django.urls import path

from kefu.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("parameters/<str:channel>/", views.parameters_save, name="parameters_save"),
    path("rosters/build/", views.roster_build, name="roster_build"),
    path("rosters/<int:roster_id>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:roster_id>/status/", views.roster_status, name="roster_status"),
    path("rosters/<int:roster_id>/rebuild/", views.roster_rebuild, name="roster_rebuild"),
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
    path("settings/agents/", views.agent_rules, name="agent_rules"),
    path("settings/agents/<int:agent_id>/", views.agent_rule_edit, name="agent_rule_edit"),
    path("settings/agents/<int:agent_id>/row/", views.agent_rule_row, name="agent_rule_row"),
    path("settings/agents/<int:agent_id>/reset/", views.agent_rule_reset, name="agent_rule_reset"),
    path("my-shifts/", views.my_shifts, name="my_shifts"),
    path("presence/", views.presence, name="presence"),
    path("presence/team/", views.team_presence, name="team_presence"),
    path("presence/<int:agent_id>/offline/", views.presence_offline, name="presence_offline"),
    path("adherence/", views.adherence, name="adherence"),
    path("adherence/adherence.xlsx", views.adherence_export, name="adherence_export"),
]
