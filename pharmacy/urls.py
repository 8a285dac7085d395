from django.urls import path

from pharmacy import views

app_name = "pharmacy"
urlpatterns = [
    path("fulfil/", views.home, name="home"),
    path("fulfil/offline/", views.offline_counter, name="offline"),
    path("fulfil/sw.js", views.service_worker, name="service_worker"),
    path("fulfil/dispenses/<int:dispense_id>/", views.receipt, name="receipt"),
    path("fulfil/<str:tracking_code>/", views.serve, name="serve"),
    path("fulfil/<str:tracking_code>/items/<int:item_id>/result", views.result, name="result"),
]
