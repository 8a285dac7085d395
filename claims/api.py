"""The claims API (contract "Claims and invoices"): the facility's claims by range and
fund, adding the unsent ones, sending, resending the failed ones, and jobs' progress."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import paging
from accounts.api import valid
from accounts.models import Role
from accounts.permissions import FULFILMENT_ROLES, roles
from claims import documents, invoicing, selectors, services
from claims.filters import InvoiceFilter, filtered
from claims.models import Claim, Invoice, Job
from claims.serializers import (
    AddedOut,
    ClaimListOut,
    DeductionIn,
    DeductionOut,
    InvoiceOut,
    InvoiceStatusIn,
    JobOut,
    JobStartedOut,
    PeriodIn,
    claim_data,
    invoice_data,
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
                    *paging.PARAMETERS],
        responses={200: ClaimListOut})
    def get(self, request):
        params = request.query_params
        period = _period({"from": params.get("from"), "to": params.get("to"),
                          "schemes": params.getlist("scheme")}, require_schemes=False)
        wanted = params.get("status") if params.get("status") in Claim.Status.values else None
        claims = selectors.claims_of(facility_id=request.membership.facility_id,
                                     period=period, status=wanted)
        totals = selectors.totals_of(claims)
        page = paging.keyset(claims, params, order=("-service_date", "-pk"), scope="claims")
        count = totals.pop("count")
        return paging.linked(Response({"count": count, "totals": totals,
                                       "results": [claim_data(claim) for claim in page.items]}),
                             request, page)


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


INVOICE_ROLES = (*CLAIMING_ROLES, Role.REVIEWER)


class InvoicesApi(APIView):
    permission_classes = [roles(*INVOICE_ROLES)]

    @extend_schema(parameters=[OpenApiParameter("period", str, description="1405-08"),
                               OpenApiParameter("status", str, enum=Invoice.Status.values),
                               *paging.PARAMETERS],
                   responses={200: InvoiceOut(many=True)})
    def get(self, request):
        invoices = filtered(InvoiceFilter, request.query_params,
                            invoicing.invoices_visible_to(request.membership))
        page = paging.keyset(invoices, request.query_params, order=("-created_at", "-pk"),
                             scope="invoices")
        return paging.linked(Response([invoice_data(i) for i in page.items]), request, page)


class InvoiceDetailApi(APIView):
    permission_classes = [roles(*INVOICE_ROLES)]

    @extend_schema(responses={200: InvoiceOut})
    def get(self, request, invoice_id):
        invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
        return Response(invoice_data(invoice, rows=documents.lines_with_deductions(invoice)))


class InvoicePdfApi(APIView):
    permission_classes = [roles(*INVOICE_ROLES)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, invoice_id):
        invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
        response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="invoice-{invoice.pk}.pdf"'
        return response


class InvoiceCsvApi(APIView):
    permission_classes = [roles(*INVOICE_ROLES)]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, invoice_id):
        invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
        response = HttpResponse(documents.invoice_csv(invoice),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.pk}.csv"'
        return response


class DeductionsApi(APIView):
    permission_classes = [roles(Role.REVIEWER)]

    @extend_schema(request=DeductionIn, responses={201: DeductionOut})
    def post(self, request, invoice_id):
        invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
        data = valid(DeductionIn, request)
        deduction = invoicing.deduction_add(
            actor=request.membership, invoice=invoice, claim_line=data["claim_line"],
            amount=data["amount"], reason=data["reason"], note=data.get("note", ""))
        return Response(DeductionOut(deduction).data, status=status.HTTP_201_CREATED)


class InvoiceStatusApi(APIView):
    permission_classes = [roles(*INVOICE_ROLES)]

    @extend_schema(request=InvoiceStatusIn, responses={200: InvoiceOut})
    def post(self, request, invoice_id):
        invoice = invoicing.invoice_get(viewer=request.membership, invoice_id=invoice_id)
        data = valid(InvoiceStatusIn, request)
        invoice = invoicing.invoice_status_set(actor=request.membership, invoice=invoice,
                                               status=data["status"])
        return Response(invoice_data(invoicing.invoice_get(viewer=request.membership,
                                                           invoice_id=invoice.pk)))
