from django.urls import include, path

from kefu.interactions import views

app_name = "interactions"
urlpatterns = [
    path("conversations/", views.conversation_list, name="conversation_list"),
    path("conversation-views/", views.saved_view_save, name="saved_view_save"),
    path("conversation-views/<int:pk>/", views.saved_view_open, name="saved_view"),
    path("conversation-views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path(
        "conversations/<extid:external_id>/", views.conversation_detail, name="conversation_detail"
    ),
    path("customers/<extid:external_id>/", views.customer_detail, name="customer_detail"),
    # Web import/export pages live in their own module (views_import.py).
    path("", include("kefu.interactions.urls_import")),
]
