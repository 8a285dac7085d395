"""Sign-in pages: national code + mobile, the SMS code, then the membership to work as."""

import sys

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.error_body import json_error
from accounts.errors import DomainError, ServiceUnavailable, Throttled
from accounts.forms import CodeForm, LoginForm
from accounts.middleware import SESSION_KEY
from accounts.models import Role
from accounts.permissions import role_required
from accounts.web import client_ip

ROLE_HOME = {
    Role.DOCTOR: "prescriptions:doctor_home",
    Role.RECEPTION: "prescriptions:reception_home",
    Role.PATIENT: "prescriptions:patient_home",
    Role.PHARMACY: "pharmacy:home",
    Role.LAB: "pharmacy:home",
    Role.IMAGING: "pharmacy:home",
    Role.PHYSIO: "pharmacy:home",
    Role.REVIEWER: "claims:reviewer_home",
}
PENDING_KEY = "otp_national_code"
NEXT_KEY = "login_next"


def _safe_next(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def login_start(request):
    if request.user.is_authenticated and request.membership:
        return redirect("accounts:home")
    form = LoginForm(request.POST or None)
    failed = None
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_request(
                national_code=form.cleaned_data["national_code"],
                mobile=form.cleaned_data["mobile"],
                ip=client_ip(request),
            )
        except ServiceUnavailable as exc:
            return render(request, "accounts/sms_down.html", {"message": exc.message}, status=503)
        except DomainError as exc:
            form.add_error(None, exc.message)
            failed = exc
        else:
            request.session[PENDING_KEY] = form.cleaned_data["national_code"]
            next_url = _safe_next(request, request.GET.get("next"))
            if next_url:
                request.session[NEXT_KEY] = next_url
            return redirect("accounts:login_code")
    return _form_page(request, "accounts/login.html", {"form": form}, failed)


def login_code(request):
    national_code = request.session.get(PENDING_KEY)
    if not national_code:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    failed = None
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        try:
            user = services.otp_verify(national_code=national_code,
                                       code=form.cleaned_data["code"], ip=ip)
        except DomainError as exc:
            form.add_error("code", exc.message)
            failed = exc
        else:
            next_url = request.session.get(NEXT_KEY)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            memberships = list(services.memberships_of(user))
            if len(memberships) == 1:
                request.session[SESSION_KEY] = memberships[0].pk
            services.signin_complete(
                user=user, membership=memberships[0] if len(memberships) == 1 else None,
                ip=ip, via="web",
            )
            if len(memberships) == 1:
                return redirect(_safe_next(request, next_url) or "accounts:home")
            if not memberships and user.is_staff:
                return redirect("admin:index")
            return redirect("accounts:choose")
    return _form_page(request, "accounts/login_code.html",
                      {"form": form, "national_code": national_code}, failed)


def _form_page(request, template: str, context: dict, failed: DomainError | None):
    """A sign-in form again: 400 for bad input, the error's own status (429 with
    Retry-After when throttled)."""
    status = failed.status if failed else (400 if context["form"].errors else 200)
    response = render(request, template, context, status=status)
    if isinstance(failed, Throttled):
        response["Retry-After"] = str(failed.retry_after)
    return response


@login_required
def choose(request):
    memberships = list(services.memberships_of(request.user))
    if request.method == "POST":
        try:
            membership = services.membership_for(user=request.user,
                                                 membership_id=request.POST.get("membership"))
        except DomainError as exc:
            return render(request, "accounts/choose.html",
                          {"memberships": memberships, "error": exc.message}, status=400)
        request.session[SESSION_KEY] = membership.pk
        return redirect("accounts:home")
    return render(request, "accounts/choose.html", {"memberships": memberships})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def home(request):
    membership = request.membership
    if membership is None:
        if request.user.is_staff and not services.memberships_of(request.user).exists():
            return redirect("admin:index")
        return redirect("accounts:choose")
    return redirect(ROLE_HOME[membership.role])


def admin_login(request):
    """The admin signs in through the same SMS flow as everyone else."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?next={next_url}")


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """Django's own 400s (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad
    host): the API's shape under /api/, 413 for a body too large."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.views import defaults

    if _api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "too_large", _("بدنه درخواست بیش از حد بزرگ است."))
        if isinstance(exception, TooManyFieldsSent):
            return json_error(400, "too_many_fields", _("شمار فیلدهای درخواست بیش از حد است."))
        return json_error(400, "bad_request", _("درخواست نامعتبر است."))
    return defaults.bad_request(request, exception)


def forbidden(request, exception=None):
    if _api(request):
        return json_error(403, "forbidden", _("اجازه این کار را ندارید."))
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    if _api(request):
        return json_error(404, "not_found", _("این نشانی در API نیست."))
    return render(request, "404.html", status=404)


def server_error(request):
    """500, unless what failed is a dependency that is down: then 503 (config.faults)."""
    from config import faults

    what = faults.dependency_down(sys.exc_info()[1])
    if what:
        return faults.unavailable_response(request, what)
    if _api(request):
        return json_error(500, "server_error", _("خطای داخلی؛ به پشتیبانی خبر داده شد."))
    return render(request, "500.html", status=500)




@role_required(Role.PATIENT)
def my_access_log(request):
    """Who read my record: time, person, role, facility and what was read (newest first)."""
    page = Paginator(selectors.access_log_of(user=request.user), 100).get_page(
        request.GET.get("page"))
    return render(request, "accounts/access_log.html", {"page": page})
