from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Patient, Role
from accounts.permissions import role_required
from notices import services


@require_POST
@role_required(Role.PATIENT)
def my_notices(request):
    """The patient's page: SMS on each event of their prescriptions, on or off."""
    patient = Patient.objects.filter(user_id=request.user.pk).first()
    if patient is not None:
        on = services.preference_set(patient=patient, sms=request.POST.get("sms") == "on")
        messages.success(request, _("پیامک رویدادهای نسخه روشن شد.") if on
                         else _("پیامک رویدادهای نسخه خاموش شد."))
    return redirect("prescriptions:patient_home")
