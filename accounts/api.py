"""Sign-in and 'me' endpoints (contract: auth/*, me, me/access-log)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import paging, selectors, services
from accounts.error_body import flat_errors
from accounts.errors import Forbidden, Invalid
from accounts.models import Role
from accounts.permissions import roles
from accounts.serializers import (
    AccessLogOut,
    DoctorKeyCreatedOut,
    DoctorKeyIn,
    DoctorKeyOut,
    MembershipIn,
    MembershipSwitchOut,
    MeOut,
    OtpRequestIn,
    OtpRequestOut,
    OtpVerifyIn,
    OtpVerifyOut,
    membership_data,
)
from accounts.web import client_ip


def valid(serializer_class, request, *, as_sent: tuple[str, ...] = ()):
    """The body checked against its input serializer (types, ranges, nesting) or a 400
    naming each field. Fields in `as_sent` (nested items, lines, results) reach the service
    as the client sent them, once they passed: the domain reads them there (catalog, pack
    codes, units), and a doctor's signature covers them as sent."""
    if not isinstance(request.data, dict):
        raise Invalid(_("بدنه درخواست باید یک شیء JSON باشد."), code="invalid_body")
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        errors = flat_errors(serializer.errors)
        first = next(iter(errors.values()), [_("ورودی نامعتبر است.")])[0]
        raise Invalid(first, errors=errors)
    data = dict(serializer.validated_data)
    for name in as_sent:
        if name in request.data:
            data[name] = request.data[name]
    return data


class OtpRequestApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=OtpRequestIn, responses={202: OtpRequestOut})
    def post(self, request):
        data = valid(OtpRequestIn, request)
        challenge = services.otp_request(
            national_code=data["national_code"], mobile=data["mobile"], ip=client_ip(request)
        )
        return Response(
            {
                "detail": _("اگر کد ملی و شماره همراه درست باشند، کد ورود پیامک می‌شود."),
                "expires_in": challenge.expires_in,
                "resend_in": challenge.resend_in,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class OtpVerifyApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=OtpVerifyIn, responses={200: OtpVerifyOut})
    def post(self, request):
        data = valid(OtpVerifyIn, request)
        ip = client_ip(request)
        user = services.otp_verify(national_code=data["national_code"], code=data["code"], ip=ip)
        token, key = services.api_token_issue(user=user, membership_id=data.get("membership"))
        services.signin_complete(user=user, membership=token.membership, ip=ip, via="api")
        return Response(
            {
                "token": key,
                "membership": membership_data(token.membership),
                "memberships": [membership_data(m) for m in services.memberships_of(user)],
            }
        )


def _api_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise Forbidden(_("این کار فقط با توکن API ممکن است."), code="token_required")
    return token


class MembershipSwitchApi(APIView):
    @extend_schema(request=MembershipIn, responses={200: MembershipSwitchOut})
    def post(self, request):
        data = valid(MembershipIn, request)
        token = _api_token(request)
        membership = services.api_token_switch(token=token, membership_id=data["membership"])
        return Response({"membership": membership_data(membership)})


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.api_token_revoke(token=_api_token(request), ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: MeOut})
    def get(self, request):
        user = request.user
        return Response(
            {
                "national_code": user.national_code,
                "full_name": user.full_name,
                "membership": membership_data(request.membership),
                "memberships": [membership_data(m) for m in services.memberships_of(user)],
            }
        )


class MyAccessLogApi(APIView):
    permission_classes = [roles(Role.PATIENT)]

    @extend_schema(parameters=paging.PARAMETERS, responses={200: AccessLogOut(many=True)})
    def get(self, request):
        page = paging.keyset(selectors.access_log_of(user=request.user), request.query_params,
                             order=("-at", "-pk"), scope="access-log")
        return paging.linked(Response(AccessLogOut(page.items, many=True).data), request, page)


class MyKeysApi(APIView):
    """The doctor's signing keys at the active practice site (seed 003)."""

    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(parameters=paging.PARAMETERS, responses={200: DoctorKeyOut(many=True)})
    def get(self, request):
        page = paging.keyset(services.doctor_keys_of(request.membership), request.query_params,
                             order=("-created_at", "-pk"), scope="keys")
        return paging.linked(Response(DoctorKeyOut(page.items, many=True).data), request, page)

    @extend_schema(request=DoctorKeyIn, responses={201: DoctorKeyCreatedOut})
    def post(self, request):
        data = valid(DoctorKeyIn, request)
        key = services.doctor_key_register(membership=request.membership,
                                           public_key=data["public_key"],
                                           label=data.get("label", ""))
        return Response({"id": key.pk, "fingerprint": key.fingerprint},
                        status=status.HTTP_201_CREATED)


class MyKeyApi(APIView):
    permission_classes = [roles(Role.DOCTOR)]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, key_id):
        services.doctor_key_revoke(membership=request.membership, key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
