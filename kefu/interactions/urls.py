from django.urls import include, path

from kefu.interactions import views

app_name = "interactions"
urlpatterns = [
    path("conversations/", views.conversation_list, name="conversation_list"),
    path(
        "conversations/<extid:external_id>/", views.conversation_detail, name="conversation_detail"
    ),
    path("customers/<extid:external_id>/", views.customer_detail, name="customer_detail"),
    # Web import/export pages live in their own module (views_import.py).
    path("", include("kefu.interactions.urls_import")),
]
