"""Fulfilment API: dispense and results (contract)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import idempotency
from accounts.api import valid
from accounts.permissions import FULFILMENT_ROLES, PARACLINIC_ROLES, roles
from pharmacy import outage, results, selectors, services
from pharmacy.models import PaperDispense
from pharmacy.serializers import (
    DispenseIn,
    DispenseOut,
    PaperDispenseIn,
    PaperDispenseOut,
    ResultIn,
)
from prescriptions.selectors import prescription_to_fulfil
from prescriptions.serializers import ItemOut


class DispenseApi(APIView):
    permission_classes = [roles(*FULFILMENT_ROLES)]

    @extend_schema(request=DispenseIn, responses={201: DispenseOut},
                   parameters=[idempotency.PARAMETER])
    def post(self, request, tracking_code):
        return idempotency.respond_once(request, lambda: self._dispense(request, tracking_code),
                                        lambda outcome: self._answer(request, outcome))

    @staticmethod
    def _dispense(request, tracking_code):
        data = valid(DispenseIn, request, as_sent=("lines", "payment"))
        return services.dispense_by_code(
            membership=request.membership, tracking_code=tracking_code, lines=data["lines"],
            started_at=data.get("started_at"), payment=data.get("payment"),
            acknowledgement=services.Acknowledgement(given=data["acknowledge_warnings"]))

    @staticmethod
    def _answer(request, outcome):
        # a new dispense comes back with its prescription and lines in hand; a replay of
        # the service's own key is read as any earlier record
        dispense = (selectors.dispense_get(viewer=request.membership,
                                           dispense_id=outcome.dispense.pk)
                    if outcome.replayed else outcome.dispense)
        return Response(DispenseOut(dispense).data, status=status.HTTP_201_CREATED)


class ResultsApi(APIView):
    permission_classes = [roles(*PARACLINIC_ROLES)]

    @extend_schema(request=ResultIn, responses={201: ItemOut})
    def post(self, request, tracking_code):
        data = valid(ResultIn, request, as_sent=("result",))
        prescription = prescription_to_fulfil(viewer=request.membership,
                                             tracking_code=tracking_code)
        item = results.result_record(membership=request.membership, prescription=prescription,
                                      item_id=data["item"], result=data["result"])
        return Response(ItemOut(item).data, status=status.HTTP_201_CREATED)


class PaperDispenseApi(APIView):
    """Sync one service given from the paper copy during an outage: 201 when it became a
    dispense, 409 with the reason when it could not (kept for reviewers); the same key
    again answers the same (200 or 409) and changes nothing."""

    permission_classes = [roles(*FULFILMENT_ROLES)]

    @extend_schema(request=PaperDispenseIn,
                   responses={201: PaperDispenseOut, 200: PaperDispenseOut,
                              409: PaperDispenseOut})
    def post(self, request):
        data = valid(PaperDispenseIn, request, as_sent=("lines", "payment"))
        outcome = outage.paper_dispense_sync(
            membership=request.membership, key=data["key"], token=data["payload"],
            lines=data["lines"], served_at=data["served_at"], payment=data.get("payment"),
            facility_id=data.get("facility"))
        record = outcome.record
        if record.dispense_id:
            record.dispense = selectors.dispense_get(viewer=request.membership,
                                                     dispense_id=record.dispense_id)
        if record.status == PaperDispense.Status.CONFLICT:
            code = status.HTTP_409_CONFLICT
        else:
            code = status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED
        response = Response(PaperDispenseOut(record).data, status=code)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
