"""The paper copy (CONTRACT "Paper copy, signatures and outage"): the PDF, verifying a
presented copy, and the site's public keys for verifying with no network."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import valid
from accounts.models import Role
from accounts.permissions import FULFILMENT_ROLES, roles
from accounts.web import client_ip
from paper import keys, services
from paper.serializers import JwksOut, VerifyIn, VerifyOut
from prescriptions import selectors


class PaperPdfApi(APIView):
    permission_classes = [roles(Role.PATIENT, Role.DOCTOR)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, tracking_code):
        prescription = selectors.prescription_get(viewer=request.membership,
                                                  tracking_code=tracking_code)
        pdf = services.paper_copy(viewer=request.membership, prescription=prescription,
                                  ip=client_ip(request))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="noskhe-{prescription.tracking_code}.pdf"')
        response["Cache-Control"] = "private, no-store"
        return response


class PaperVerifyApi(APIView):
    permission_classes = [roles(*FULFILMENT_ROLES)]

    @extend_schema(request=VerifyIn, responses={200: VerifyOut})
    def post(self, request):
        data = valid(VerifyIn, request)
        return Response(services.paper_verify(viewer=request.membership, token=data["payload"],
                                              ip=client_ip(request)))


class PaperKeysApi(APIView):
    permission_classes = [roles(*FULFILMENT_ROLES)]

    @extend_schema(responses={200: JwksOut})
    def get(self, request):
        response = Response(keys.jwks())
        response["Cache-Control"] = "private, no-cache"  # a revoked key leaves at once
        return response
