from django.urls import path

from notices import views

app_name = "notices"
urlpatterns = [path("patient/notices", views.my_notices, name="mine")]
