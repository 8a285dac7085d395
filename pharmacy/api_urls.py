from django.urls import path

from pharmacy import api

urlpatterns = [
    path("prescriptions/<str:tracking_code>/dispense", api.DispenseApi.as_view(),
         name="dispense"),
    path("prescriptions/<str:tracking_code>/results", api.ResultsApi.as_view(), name="results"),
    path("paper/dispenses", api.PaperDispenseApi.as_view(), name="paper-dispenses"),
]
