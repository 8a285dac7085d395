"""Reads of the accounts domain, always for a viewer."""

from django.db.models import QuerySet

from accounts.models import AccessLog, Patient, User


def patient_of_user(user: User) -> Patient | None:
    return Patient.objects.filter(user=user).first()


def access_log_of(*, user: User) -> QuerySet[AccessLog]:
    """Who read this person's patient record (and their newborns'), newest first."""
    return (
        AccessLog.objects.filter(patient__user=user)
        .select_related("actor", "membership__facility")
        .order_by("-at")
    )
