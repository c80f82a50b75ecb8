from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("me/courses/", views.my_courses, name="mine"),
    path("me/courses/<int:pk>/register/", views.degree_registration, name="register"),
]
