from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import valid
from accounts.errors import NotFound
from accounts.models import Patient, Role
from accounts.permissions import roles
from notices import services


class NoticesIO(serializers.Serializer):
    sms = serializers.BooleanField(help_text="SMS on each event of the patient's prescriptions")


def _own_record(request) -> Patient:
    patient = Patient.objects.filter(user_id=request.user.pk).first()
    if patient is None:
        raise NotFound(_("پرونده بیمار برای این حساب پیدا نشد."))
    return patient


class MyNoticesApi(APIView):
    """The patient's own choice: an SMS on each event of their prescriptions, or none."""

    permission_classes = [roles(Role.PATIENT)]

    @extend_schema(responses={200: NoticesIO})
    def get(self, request):
        return Response({"sms": services.preference_of(_own_record(request))})

    @extend_schema(request=NoticesIO, responses={200: NoticesIO})
    def patch(self, request):
        data = valid(NoticesIO, request)
        return Response({"sms": services.preference_set(patient=_own_record(request),
                                                        sms=data["sms"])})
