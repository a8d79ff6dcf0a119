from django.urls import path

from kefu.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.edit, name="new"),
    path("requests/", views.requests, name="requests"),
    path("figures/", views.figures, name="figures"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
    path("requests/<int:request_id>/decline/", views.decline, name="decline"),
    path("transfer/", views.transfer, name="transfer"),
    path("export/", views.export, name="export"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"
    ),
    path("<int:article_id>/", views.article, name="article"),
    path("<int:article_id>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:article_id>/edit/", views.edit, name="edit"),
    path("<int:article_id>/diff/", views.diff, name="diff"),
    path("<int:article_id>/submit/", views.submit, name="submit"),
    path("<int:article_id>/publish/", views.publish, name="publish"),
    path("<int:article_id>/send-back/", views.send_back, name="send_back"),
    path("<int:article_id>/archive/", views.archive, name="archive"),
    path("<int:article_id>/request/", views.request_change, name="request"),
    # in the conversation (fetched by the workspace and the conversation page)
    path("conversations/<extid:external_id>/suggest/", views.suggest, name="suggest"),
    path("conversations/<extid:external_id>/link/", views.link, name="link"),
]
