from django.urls import path

from . import views

app_name = "coupons"

urlpatterns = [
    path("coupons/", views.centre, name="centre"),
    path("coupons/<int:pk>/claim/", views.claim, name="claim"),
    path("me/coupons/", views.mine, name="mine"),
]
