from django.urls import path

from kefu.customers import views, views_winback

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.export, name="export"),
    path("customers/<extid:customer_id>/card/", views.card, name="card"),
    path("customers/<extid:customer_id>/tags/", views.customer_tags, name="customer_tags"),
    path("tags/", views.tags_view, name="tags"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("settings/", views.settings_view, name="settings"),
    path("backtest/", views.backtest_view, name="backtest"),
    path("backtest/<int:backtest_id>/", views.backtest_detail, name="backtest_detail"),
    path("backtest/<int:backtest_id>/apply/", views.backtest_apply, name="backtest_apply"),
    path("winback/", views_winback.campaigns, name="winback"),
    path("winback/<int:campaign_id>/", views_winback.campaign, name="winback_detail"),
    path("winback/<int:campaign_id>/export/", views_winback.export, name="winback_export"),
    path(
        "winback/members/<int:member_id>/outcome/",
        views_winback.outcome,
        name="winback_outcome",
    ),
]
