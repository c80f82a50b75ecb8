from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path("pay/sandbox/<str:token>/", views.sandbox_cashier, name="sandbox"),
    path("pay/notify/<str:gateway>/", views.notify, name="notify"),
]
