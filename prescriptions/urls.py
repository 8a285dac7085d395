from django.urls import path

from prescriptions import views, views_prescribe

app_name = "prescriptions"
urlpatterns = [
    path("doctor/", views.doctor_home, name="doctor_home"),
    path("doctor/catalog/", views_prescribe.catalog_search, name="catalog_search"),
    path("doctor/visits/<int:visit_id>/", views_prescribe.visit_page, name="visit"),
    path("doctor/visits/<int:visit_id>/preview", views_prescribe.preview, name="preview"),
    path("doctor/visits/<int:visit_id>/prescribe", views_prescribe.prescribe, name="prescribe"),
    path("doctor/visits/<int:visit_id>/signing-content", views_prescribe.signing_content,
         name="signing_content"),
    path("doctor/visits/<int:visit_id>/complete", views_prescribe.complete, name="complete"),
    path("doctor/visits/<int:visit_id>/refer", views_prescribe.refer, name="refer"),
    path("doctor/visits/<int:visit_id>/consent", views_prescribe.consent_request,
         name="consent_request"),
    path("doctor/visits/<int:visit_id>/consent/verify", views_prescribe.consent_verify,
         name="consent_verify"),
    path("doctor/prescriptions/<str:tracking_code>/edit", views_prescribe.edit, name="edit"),
    path("doctor/prescriptions/<str:tracking_code>/cancel", views_prescribe.cancel,
         name="cancel"),
    path("reception/", views.reception_home, name="reception_home"),
    path("patients/register", views.register_patient, name="register_patient"),
    path("patient/", views.patient_home, name="patient_home"),
]
