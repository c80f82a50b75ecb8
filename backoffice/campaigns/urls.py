from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("new/", views.campaign_edit, name="new"),
    path("odds/", views.odds_preview, name="odds"),
    path("prize-row/", views.prize_row, name="prize_row"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("codes/", views.PoolListView.as_view(), name="pools"),
    path("codes/new/", views.pool_edit, name="pool_new"),
    path("codes/<int:pool_id>/", views.pool_detail, name="pool"),
    path("codes/<int:pool_id>/edit/", views.pool_edit, name="pool_edit"),
    path("orders/", views.PrizeOrderListView.as_view(), name="orders"),
    path("orders/export/", views.orders_export, name="orders_export"),
    path("orders/<str:number>/ship/", views.ship, name="ship"),
    path("draws/", views.DrawListView.as_view(), name="draws"),
    path("draws/<int:draw_id>/", views.replay, name="replay"),
]
