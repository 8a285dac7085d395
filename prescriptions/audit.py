"""Reads of prescriptions in the access log, from pages and the API alike: one INSERT for a
list, and a separate `result.read` for the patients whose results were shown."""

from __future__ import annotations

from accounts import services as accounts_services
from accounts.models import AccessLog, Role
from accounts.web import client_ip


def _who(request) -> dict | None:
    membership = request.membership
    if membership is None or membership.role == Role.PATIENT:
        return None  # a patient reading their own record is not logged against themselves
    return {"actor": request.user, "membership": membership, "ip": client_ip(request)}


def results_read(request, prescriptions, *, target: str = "results") -> None:
    who = _who(request)
    with_results = [p for p in prescriptions if any(i.result for i in p.items.all())]
    if who and with_results:
        accounts_services.access_log_record_many(
            action=AccessLog.Action.RESULT_READ, patients=[p.patient for p in with_results],
            target=target, **who)


def prescriptions_read(request, prescriptions, *,
                       action: str = AccessLog.Action.PRESCRIPTION_READ,
                       target: str = "") -> None:
    """Log that the signed-in person read these prescriptions, and the results on them."""
    who = _who(request)
    if not who or not prescriptions:
        return
    accounts_services.access_log_record_many(
        action=action, patients=[p.patient for p in prescriptions], target=target, **who)
    results_read(request, prescriptions, target=target or "results")
