from django.urls import path

from pharmacy import views

app_name = "pharmacy"
urlpatterns = [
    path("fulfil/", views.home, name="home"),
]
