"""Fulfilment API: dispense and results (contract)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import valid
from accounts.permissions import FULFILMENT_ROLES, PARACLINIC_ROLES, roles
from pharmacy import results, selectors, services
from pharmacy.serializers import DispenseIn, DispenseOut, ResultIn
from prescriptions.selectors import prescription_to_fulfil
from prescriptions.serializers import ItemOut


class DispenseApi(APIView):
    permission_classes = [roles(*FULFILMENT_ROLES)]

    @extend_schema(
        request=DispenseIn, responses={201: DispenseOut},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request, tracking_code):
        data = valid(DispenseIn, request)
        prescription = prescription_to_fulfil(viewer=request.membership,
                                             tracking_code=tracking_code)
        outcome = services.dispense_record(
            membership=request.membership, prescription=prescription, lines=data["lines"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            started_at=data.get("started_at"), payment=data.get("payment"),
            acknowledgement=services.Acknowledgement(given=data["acknowledge_warnings"]))
        dispense = selectors.dispense_get(viewer=request.membership,
                                          dispense_id=outcome.dispense.pk)
        response = Response(DispenseOut(dispense).data, status=status.HTTP_201_CREATED)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class ResultsApi(APIView):
    permission_classes = [roles(*PARACLINIC_ROLES)]

    @extend_schema(request=ResultIn, responses={201: ItemOut})
    def post(self, request, tracking_code):
        data = valid(ResultIn, request)
        prescription = prescription_to_fulfil(viewer=request.membership,
                                             tracking_code=tracking_code)
        item = results.result_record(membership=request.membership, prescription=prescription,
                                      item_id=data["item"], result=data["result"])
        return Response(ItemOut(item).data, status=status.HTTP_201_CREATED)
