from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("patient/complaints/", views.complaint_list, name="list"),
    path("patient/complaints/new", views.complaint_new, name="new"),
    path("patient/complaints/<int:complaint_id>/", views.complaint_detail, name="detail"),
]
