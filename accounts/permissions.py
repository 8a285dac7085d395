"""Who may do what: one permission class per role group, one page decorator."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.models import Role

FULFILMENT_ROLES = (Role.PHARMACY, Role.LAB, Role.IMAGING, Role.PHYSIO)
PARACLINIC_ROLES = (Role.LAB, Role.IMAGING, Role.PHYSIO)


def roles(*allowed: str) -> type[BasePermission]:
    """A DRF permission class letting through only these roles of the active membership."""

    class HasRole(BasePermission):
        message = _("نقش فعال شما اجازه این کار را ندارد.")

        def has_permission(self, request, view) -> bool:
            membership = getattr(request, "membership", None)
            return bool(
                request.user and request.user.is_authenticated
                and membership is not None and membership.role in allowed
            )

    HasRole.__name__ = "HasRole_" + "_".join(str(r) for r in allowed)
    return HasRole


def role_required(*allowed: str):
    """Page decorator: signed in, a membership chosen, and its role among `allowed`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if membership is None:
                return redirect("accounts:choose")
            if membership.role not in allowed:
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
