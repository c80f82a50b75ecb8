from django.urls import path

from . import views

app_name = "lottery"

urlpatterns = [
    path("lotteries/", views.campaign_list, name="list"),
    path("lotteries/<int:pk>/", views.campaign_detail, name="detail"),
    path("lotteries/<int:pk>/draw/", views.draw, name="draw"),
    path("lotteries/<int:pk>/items/<int:prize_pk>/exchange/", views.exchange, name="exchange"),
    path("lotteries/gifts/<int:pool_pk>/", views.take_gift, name="take_gift"),
    path("me/prizes/", views.my_prizes, name="my_prizes"),
    path("me/prizes/<str:number>/", views.prize_order, name="prize"),
]
