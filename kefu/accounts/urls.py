from django.urls import path

from kefu.accounts import people_views as views

app_name = "people"
urlpatterns = [
    path("", views.users, name="users"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:user_id>/", views.user_edit, name="user"),
    path("users/<int:user_id>/active/", views.user_active, name="user_active"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("roles/", views.roles, name="roles"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/move/", views.team_move, name="team_move"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
