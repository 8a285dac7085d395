"""Pages of the prescribing side: reception, the doctor's queue, the patient's own page."""

from django.shortcuts import render

from accounts.models import Role
from accounts.permissions import role_required


@role_required(Role.DOCTOR)
def doctor_home(request):
    return render(request, "prescriptions/doctor_home.html", {"visits": []})


@role_required(Role.RECEPTION)
def reception_home(request):
    return render(request, "prescriptions/reception_home.html", {"visits": []})


@role_required(Role.PATIENT)
def patient_home(request):
    return render(request, "prescriptions/patient_home.html", {"prescriptions": []})
