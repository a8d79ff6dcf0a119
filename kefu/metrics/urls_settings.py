"""Routes of the KPI settings pages (targets, benchmark sets, improvement actions)."""

urlpatterns: list = []
