from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="list"),
    path("products/<slug:slug>/", views.product_detail, name="detail"),
    path("products/<slug:slug>/add/", views.add_to_cart_stub, name="add"),
]
