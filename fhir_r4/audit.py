"""FHIR reads in the access log, as the JSON API writes them (prescriptions.audit): one
INSERT per answer, one row per distinct patient, nothing for a patient reading their own
record. The actions are the JSON API's: a read by id is `prescription.read` (or
`patient.read`, `result.read`), a search `prescription.list`."""

from __future__ import annotations

from accounts import services as accounts_services
from accounts.models import AccessLog, Patient, Role
from accounts.web import client_ip


def record(request, *, action: str, patients: list[Patient], target: str) -> None:
    membership = request.membership
    if membership is None or membership.role == Role.PATIENT or not patients:
        return
    accounts_services.access_log_record_many(
        action=action, actor=request.user, membership=membership, patients=patients,
        target=target, ip=client_ip(request))


READ = AccessLog.Action.PRESCRIPTION_READ
LIST = AccessLog.Action.PRESCRIPTION_LIST
PATIENT = AccessLog.Action.PATIENT_READ
RESULT = AccessLog.Action.RESULT_READ
