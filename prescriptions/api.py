"""The prescribing API (contract: patients, visits, queue, prescriptions, history)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import conditional, idempotency, paging, patients
from accounts import services as accounts_services
from accounts.api import valid
from accounts.errors import Forbidden, Invalid
from accounts.models import AccessLog, Role
from accounts.permissions import FULFILMENT_ROLES, roles
from accounts.web import client_ip
from prescriptions import audit, insurer_history, referrals, selectors, services, suggestions
from prescriptions.serializers import (
    CodeIn,
    DetailOut,
    InsurerHistoryOut,
    MedicationOut,
    PatientIn,
    PatientOut,
    PrescriptionCreatedOut,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPatchIn,
    PreviewOut,
    ReferralDetailOut,
    ReferralIn,
    ReferralOut,
    ValidUntilOut,
    VisitIn,
    VisitOut,
)


class PatientsApi(APIView):
    permission_classes = [roles(Role.RECEPTION, Role.DOCTOR)]

    @extend_schema(request=PatientIn, responses={201: PatientOut})
    def post(self, request):
        data = valid(PatientIn, request)
        patient = patients.patient_register(
            national_code=data.get("national_code"), fida_code=data.get("fida_code"),
            unidentified=data["unidentified"], first_name=data["first_name"],
            last_name=data["last_name"], birth_date=data["birth_date"], sex=data["sex"],
            mobile=data.get("mobile") or "",
            mother_national_code=data.get("mother_national_code") or None,
        )
        return Response(PatientOut(patient).data, status=status.HTTP_201_CREATED)


class VisitsApi(APIView):
    permission_classes = [roles(Role.RECEPTION, Role.DOCTOR)]

    @extend_schema(request=VisitIn, responses={201: VisitOut, 200: VisitOut})
    def post(self, request):
        data = valid(VisitIn, request)
        admission = services.visit_admit(actor=request.membership,
                                         national_code=data["national_code"],
                                         doctor_id=data.get("doctor"), ip=client_ip(request),
                                         scheme=data.get("scheme", ""),
                                         referral=data.get("referral", ""))
        code = status.HTTP_201_CREATED if admission.created else status.HTTP_200_OK
        return Response(VisitOut(admission.visit).data, status=code)


class QueueApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(parameters=paging.PARAMETERS, responses={200: VisitOut(many=True)})
    def get(self, request):
        page = paging.keyset(selectors.queue_of(request.membership), request.query_params,
                             order=("created_at", "pk"), scope="queue")
        visits = page.items
        accounts_services.access_log_record_many(
            action=AccessLog.Action.PATIENT_READ, actor=request.user,
            membership=request.membership, patients=[v.patient for v in visits],
            target="queue", ip=client_ip(request))
        return paging.linked(Response(VisitOut(visits, many=True).data), request, page)


class VisitCompleteApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=None, responses={200: VisitOut})
    def post(self, request, visit_id):
        visit = selectors.visit_get(viewer=request.membership, visit_id=visit_id)
        visit = services.visit_complete(doctor=request.membership, visit=visit)
        return Response(VisitOut(selectors.visit_get(viewer=request.membership,
                                                     visit_id=visit.pk)).data)


def _newest_key(prescription) -> list:
    return [prescription.created_at, prescription.pk]


def _newest_parse(values: list) -> tuple[dt.datetime, int]:
    created_at, pk = values
    return dt.datetime.fromisoformat(created_at), int(pk)


class PrescriptionsApi(APIView):
    permission_classes = [roles(Role.DOCTOR, Role.PATIENT, *FULFILMENT_ROLES)]

    @extend_schema(
        parameters=[OpenApiParameter("national_code", str),
                    OpenApiParameter("tracking_code", str), *paging.PARAMETERS],
        responses={200: PrescriptionOut(many=True)},
    )
    def get(self, request):
        membership = request.membership
        identifier = request.query_params.get("national_code")
        tracking = request.query_params.get("tracking_code")
        if membership.is_fulfilment and not (identifier or tracking):
            raise Invalid(_("کد ملی یا کد رهگیری را وارد کنید."),
                          errors={"national_code": [_("لازم است.")]})
        if membership.is_fulfilment:
            page = paging.fetched(
                lambda after, limit: selectors.counter_find(
                    viewer=membership, identifier=identifier, tracking_code=tracking,
                    after=after, limit=limit),
                request.query_params, key=_newest_key, parse=_newest_parse,
                scope="prescriptions")
        else:
            page = paging.keyset(
                selectors.lookup(identifier=identifier, tracking_code=tracking,
                                 queryset=selectors.prescriptions_visible_to(membership)),
                request.query_params, order=("-created_at", "-pk"), scope="prescriptions")
        prescriptions = page.items
        audit.prescriptions_read(request, prescriptions,
                                 action=AccessLog.Action.PRESCRIPTION_LIST,
                                 target=tracking or "lookup")
        return paging.linked(Response(PrescriptionOut(prescriptions, many=True).data),
                             request, page)

    @extend_schema(request=PrescriptionIn, responses={201: PrescriptionCreatedOut},
                   parameters=[idempotency.PARAMETER])
    def post(self, request):
        if request.membership.role != Role.DOCTOR:
            raise Forbidden(_("فقط پزشک نسخه می‌نویسد."))
        return idempotency.respond_once(request, lambda: self._create(request),
                                        lambda made: self._answer(request, made))

    @staticmethod
    def _create(request):
        data = valid(PrescriptionIn, request, as_sent=("items",))
        visit = selectors.visit_get(viewer=request.membership, visit_id=data["visit"])
        return services.prescription_create(
            doctor=request.membership, visit=visit, kind=data["kind"], items=data["items"],
            note=data.get("note"), override_warnings=data["override_warnings"],
            signature=data.get("signature", ""),
        )

    @staticmethod
    def _answer(request, prescription):
        # the service hands back what it wrote with its people and items in hand
        return _tagged(Response({**PrescriptionOut(prescription).data,
                                 "suggestions": suggestions.for_prescription(prescription)},
                                status=status.HTTP_201_CREATED), prescription)


class PreviewApi(APIView):
    """The rule results, the cost split (tariffs applied) and cheaper alternatives before
    registering (seed 002 §8-6's cost proposal); writes no prescription."""

    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=PrescriptionIn, responses={200: PreviewOut})
    def post(self, request):
        data = valid(PrescriptionIn, request, as_sent=("items",))
        visit = selectors.visit_get(viewer=request.membership, visit_id=data["visit"])
        evaluation = services.prescription_preview(doctor=request.membership, visit=visit,
                                                   kind=data["kind"], items=data["items"])
        return Response({
            "items": [{"code": p.line.item.code, "name": p.line.item.name,
                       "quantity": p.line.quantity, "unit_price": p.line.item.unit_price,
                       "covered": p.covered, "tariff": p.tariff, **p.split.as_dict()}
                      for p in evaluation.lines],
            "totals": evaluation.totals.as_dict(),
            "rule_results": evaluation.result_dicts(),
            "suggestions": suggestions.for_evaluation(
                evaluation, scheme_id=visit.scheme_id, day=timezone.localdate()),
        })


def _tagged(response: Response, prescription) -> Response:
    response["ETag"] = conditional.etag(prescription.version)
    return response


ETAG = OpenApiResponse(PrescriptionOut, description='ETag: "v<version>"')


class PrescriptionDetailApi(APIView):
    permission_classes = [roles(Role.DOCTOR, Role.PATIENT, *FULFILMENT_ROLES)]

    @extend_schema(responses={200: ETAG})
    def get(self, request, tracking_code):
        prescription = selectors.prescription_get(viewer=request.membership,
                                                  tracking_code=tracking_code)
        audit.prescriptions_read(request, [prescription], target=prescription.tracking_code)
        return _tagged(Response(PrescriptionOut(prescription).data), prescription)

    @extend_schema(
        request=PrescriptionPatchIn, responses={200: ETAG},
        parameters=[OpenApiParameter(conditional.HEADER, str, OpenApiParameter.HEADER,
                                     description='the ETag read, e.g. "v2": another '
                                                 "current version answers 412")])
    def patch(self, request, tracking_code):
        if request.membership.role != Role.DOCTOR:
            raise Forbidden(_("فقط پزشک نسخه را ویرایش می‌کند."))
        expected = conditional.expected_version(request)
        data = valid(PrescriptionPatchIn, request, as_sent=("items",))
        prescription = selectors.prescription_get(viewer=request.membership,
                                                  tracking_code=tracking_code)
        services.prescription_update(
            doctor=request.membership, prescription=prescription, items=data["items"],
            note=data.get("note"), override_warnings=data["override_warnings"],
            signature=data.get("signature", ""), expected_versions=expected)
        fresh = selectors.prescription_get(viewer=request.membership,
                                           tracking_code=tracking_code)
        return _tagged(Response(PrescriptionOut(fresh).data), fresh)


class PrescriptionCancelApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=None, responses={200: PrescriptionOut})
    def post(self, request, tracking_code):
        prescription = selectors.prescription_get(viewer=request.membership,
                                                  tracking_code=tracking_code)
        services.prescription_cancel(doctor=request.membership, prescription=prescription)
        fresh = selectors.prescription_get(viewer=request.membership,
                                           tracking_code=tracking_code)
        return Response(PrescriptionOut(fresh).data)


class HistoryAccessApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=None, responses={202: DetailOut})
    def post(self, request, national_code):
        patient = patients.patient_find(national_code)
        services.consent_request(doctor=request.membership, patient=patient,
                                 ip=client_ip(request))
        return Response({"detail": _("کد تأیید برای بیمار پیامک شد.")},
                        status=status.HTTP_202_ACCEPTED)


class HistoryAccessVerifyApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=CodeIn, responses={200: ValidUntilOut})
    def post(self, request, national_code):
        data = valid(CodeIn, request)
        patient = patients.patient_find(national_code)
        grant = services.consent_verify(doctor=request.membership, patient=patient,
                                        code=data["code"], ip=client_ip(request))
        return Response({"valid_until": grant.valid_until})


class HistoryApi(APIView):
    """A doctor with the patient's consent: the prescriptions. An insurer reviewer with the
    `history` right and a live unlock: the prescriptions and their insurer's claims."""

    permission_classes = [roles(Role.DOCTOR, Role.REVIEWER)]

    @extend_schema(parameters=paging.PARAMETERS, responses={200: OpenApiResponse(
        PolymorphicProxySerializer(component_name="HistoryOut", resource_type_field_name=None,
                                   serializers=[PrescriptionOut(many=True), InsurerHistoryOut],
                                   many=False),
        description="a doctor: the list of prescriptions; a reviewer: InsurerHistoryOut")})
    def get(self, request, national_code):
        patient = patients.patient_find(national_code)
        if request.membership.role == Role.REVIEWER:
            found = insurer_history.history_read(membership=request.membership,
                                                 patient=patient, ip=client_ip(request),
                                                 params=request.query_params)
            audit.results_read(request, found.prescriptions, target="history")
            return paging.linked(Response(InsurerHistoryOut(found).data), request, found.page)
        page = paging.keyset(selectors.history_for(doctor=request.membership, patient=patient),
                             request.query_params, order=("-created_at", "-pk"),
                             scope=f"history:{patient.pk}")
        accounts_services.access_log_record(
            action=AccessLog.Action.HISTORY_READ, actor=request.user,
            membership=request.membership, patient=patient, ip=client_ip(request))
        audit.results_read(request, page.items, target="history")
        return paging.linked(Response(PrescriptionOut(page.items, many=True).data),
                             request, page)


class ReferralsApi(APIView):
    """A GP refers the visit's patient to a specialty (seed 002 §2)."""

    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=ReferralIn, responses={201: ReferralOut})
    def post(self, request):
        data = valid(ReferralIn, request)
        visit = selectors.visit_get(viewer=request.membership, visit_id=data["visit"])
        referral = referrals.referral_create(doctor=request.membership, visit=visit,
                                             specialty=data["specialty"],
                                             note=data.get("note", ""))
        return Response(ReferralOut(referral).data, status=status.HTTP_201_CREATED)


class ReferralApi(APIView):
    permission_classes = [roles(Role.DOCTOR, Role.PATIENT)]

    @extend_schema(responses={200: ReferralDetailOut})
    def get(self, request, code):
        referral = referrals.referral_visible(viewer=request.membership, code=code)
        feedback = (list(selectors.prescriptions_base().filter(visit_id=referral.used_by_id))
                    if referral.used_by_id else [])
        accounts_services.access_log_record(
            action=AccessLog.Action.PATIENT_READ, actor=request.user,
            membership=request.membership, patient=referral.patient,
            target=f"referral:{referral.code}", ip=client_ip(request))
        return Response(ReferralDetailOut(referral, context={"feedback": feedback}).data)


class HistoryUnlockApi(APIView):
    """Seed 004: a code to the reviewer's own mobile opens the histories."""

    permission_classes = [roles(Role.REVIEWER)]

    @extend_schema(request=None, responses={202: DetailOut})
    def post(self, request):
        insurer_history.unlock_request(membership=request.membership, ip=client_ip(request))
        return Response({"detail": _("کد به همراه شما پیامک شد.")},
                        status=status.HTTP_202_ACCEPTED)


class HistoryUnlockVerifyApi(APIView):
    permission_classes = [roles(Role.REVIEWER)]

    @extend_schema(request=CodeIn, responses={200: ValidUntilOut})
    def post(self, request):
        data = valid(CodeIn, request)
        unlock = insurer_history.unlock_verify(membership=request.membership, code=data["code"],
                                               ip=client_ip(request))
        return Response({"valid_until": unlock.valid_until})


def _medication_key(medication) -> tuple:
    return (-medication.on.toordinal(), -medication.prescription_id, medication.item.code,
            medication.source)


class MedicationsApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(parameters=paging.PARAMETERS, responses={200: MedicationOut(many=True)})
    def get(self, request, national_code):
        patient = patients.patient_find(national_code)
        medications = selectors.current_medications(doctor=request.membership, patient=patient)
        page = paging.of_list(medications, request.query_params,
                              scope=f"medications:{patient.pk}", key=_medication_key)
        accounts_services.access_log_record(
            action=AccessLog.Action.MEDICATIONS_READ, actor=request.user,
            membership=request.membership, patient=patient, ip=client_ip(request))
        return paging.linked(Response(MedicationOut(page.items, many=True).data), request, page)
