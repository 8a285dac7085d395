"""Pages of the fulfilment side: pharmacies and paraclinics (lab, imaging, physio)."""

from django.shortcuts import render

from accounts.permissions import FULFILMENT_ROLES, role_required


@role_required(*FULFILMENT_ROLES)
def home(request):
    return render(request, "pharmacy/home.html", {"prescriptions": []})
