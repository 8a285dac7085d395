from django.urls import path

from prescriptions import views

app_name = "prescriptions"
urlpatterns = [
    path("doctor/", views.doctor_home, name="doctor_home"),
    path("reception/", views.reception_home, name="reception_home"),
    path("patient/", views.patient_home, name="patient_home"),
]
