from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("cart/", views.detail, name="detail"),
    path("cart/add/<slug:slug>/", views.add, name="add"),
    path("cart/lines/<int:line_id>/policy/", views.change, name="change"),
    path("cart/lines/<int:line_id>/remove/", views.remove, name="remove"),
]
