"""The claims API (contract "Claims and invoices"): the facility's claims by range and
fund, adding the unsent ones, sending, resending the failed ones, and jobs' progress."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import paging
from accounts.api import valid
from accounts.models import Role
from accounts.permissions import FULFILMENT_ROLES, roles
from claims import selectors, services
from claims.models import Claim, Job
from claims.serializers import (
    AddedOut,
    ClaimListOut,
    ClaimOut,
    JobOut,
    JobStartedOut,
    PeriodIn,
)

CLAIMING_ROLES = (*FULFILMENT_ROLES, Role.DOCTOR)


def _period(data, *, require_schemes=True):
    return services.period_clean(date_from=data.get("from"), date_to=data.get("to"),
                                 schemes=data.get("schemes"), require_schemes=require_schemes)


class ClaimsApi(APIView):
    permission_classes = [roles(*CLAIMING_ROLES)]

    @extend_schema(
        parameters=[OpenApiParameter("from", str, required=True),
                    OpenApiParameter("to", str, required=True),
                    OpenApiParameter("scheme", str, many=True),
                    OpenApiParameter("status", str, enum=Claim.Status.values),
                    OpenApiParameter("page_size", int), OpenApiParameter("cursor", str)],
        responses={200: ClaimListOut})
    def get(self, request):
        params = request.query_params
        period = _period({"from": params.get("from"), "to": params.get("to"),
                          "schemes": params.getlist("scheme")}, require_schemes=False)
        wanted = params.get("status") if params.get("status") in Claim.Status.values else None
        claims = selectors.claims_of(facility_id=request.membership.facility_id,
                                     period=period, status=wanted)
        totals = selectors.totals_of(claims)
        page = paging.by_date_then_id(claims, params, date_field="service_date")
        count = totals.pop("count")
        response = Response({"count": count, "totals": totals,
                             "results": ClaimOut(page.items, many=True).data})
        link = paging.next_link(request, page)
        if link:
            response["Link"] = link
        return response


class ClaimsAddUnsentApi(APIView):
    permission_classes = [roles(*CLAIMING_ROLES)]

    @extend_schema(request=PeriodIn, responses={200: AddedOut})
    def post(self, request):
        period = _period(valid(PeriodIn, request))
        added = services.claims_add_unsent(facility=request.membership.facility, period=period)
        return Response({"added": added})


class _SendApi(APIView):
    permission_classes = [roles(*CLAIMING_ROLES)]
    kind = Job.Kind.SEND

    @extend_schema(request=PeriodIn, responses={202: JobStartedOut})
    def post(self, request):
        period = _period(valid(PeriodIn, request))
        started = services.claims_send(membership=request.membership, period=period,
                                       kind=self.kind)
        return Response({"job": selectors.job_progress(started.job)},
                        status=status.HTTP_202_ACCEPTED)


class ClaimsSendApi(_SendApi):
    kind = Job.Kind.SEND


class ClaimsResendFailedApi(_SendApi):
    kind = Job.Kind.RESEND


class JobApi(APIView):
    @extend_schema(responses={200: JobOut})
    def get(self, request, job_id):
        job = selectors.job_get(viewer=request.membership, job_id=job_id)
        return Response(selectors.job_progress(job))
