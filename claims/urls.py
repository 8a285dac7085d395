from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("reviewer/", views.reviewer_home, name="reviewer_home"),
]
