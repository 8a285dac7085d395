"""Reads for the fulfilment side, always for the viewer's facility."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.errors import NotFound
from accounts.identity import db_id
from accounts.models import Membership
from config.sql import CompiledRead
from pharmacy.models import Dispense, DispenseLine


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=DispenseLine.objects.select_related("item").order_by("id"))


def _of_facility(facility_id: int) -> QuerySet[Dispense]:
    return (Dispense.objects.filter(facility_id=facility_id)
            .select_related("prescription__patient", "prescription__doctor__user",
                            "prescription__doctor__practitioner",
                            "facility", "membership__user", "scheme__insurer",
                            "supplementary_scheme"))


def dispenses_of(membership: Membership) -> QuerySet[Dispense]:
    """A facility sees its own dispense records only."""
    return _of_facility(membership.facility_id).prefetch_related(_lines())


# one record with its people and lines (every dispense's answer): a twelve-table join that
# PostgreSQL took longer to plan than to run, compiled once and prepared (config.sql)
_one_of_facility = CompiledRead(
    Dispense, lambda facility_id, pk: _of_facility(facility_id).filter(pk=pk)[:1],
    -900_001, -900_002, prefetch=(_lines(),))


def dispense_get(*, viewer: Membership, dispense_id: object) -> Dispense:
    pk = db_id(dispense_id)
    dispense = _one_of_facility.first(viewer.facility_id, pk) if pk else None
    if dispense is None:
        raise NotFound(_("سابقه ارائه پیدا نشد."))
    return dispense

