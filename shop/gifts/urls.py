from django.urls import path

from . import views

app_name = "gifts"

urlpatterns = [
    path("gifts/", views.home, name="home"),
    path("gifts/new/", views.new_draw, name="new"),
    path("gifts/<str:token>/", views.draw_page, name="draw"),
    path("gifts/<str:token>/join/", views.join, name="join"),
    path("gifts/<str:token>/state/", views.draw_state, name="state"),
    path("gifts/<str:token>/address/", views.give_address, name="address"),
    path("gifts/<str:token>/close/", views.close_draw, name="close"),
    path("gifts/<str:token>/qr.svg", views.qr_code, name="qr"),
    path("me/gifts/", views.my_gifts, name="mine"),
]
