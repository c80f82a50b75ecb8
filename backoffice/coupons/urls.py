from django.urls import path

from . import views

app_name = "coupons"

urlpatterns = [
    path("", views.CouponListView.as_view(), name="list"),
    path("new/", views.coupon_edit, name="new"),
    path("<int:pk>/", views.coupon_detail, name="detail"),
    path("<int:pk>/edit/", views.coupon_edit, name="edit"),
    path("<int:pk>/delete/", views.coupon_delete, name="delete"),
]
