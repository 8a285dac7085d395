"""Reads for the fulfilment side, always for the viewer's facility."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.errors import NotFound
from accounts.identity import db_id
from accounts.models import Membership
from pharmacy.models import Dispense, DispenseLine


def dispenses_of(membership: Membership) -> QuerySet[Dispense]:
    """A facility sees its own dispense records only."""
    return (Dispense.objects.filter(facility_id=membership.facility_id)
            .select_related("prescription__patient", "prescription__doctor__user",
                            "prescription__doctor__practitioner",
                            "facility", "membership__user", "scheme__insurer",
                            "supplementary_scheme")
            .prefetch_related(Prefetch("lines", queryset=DispenseLine.objects.select_related(
                "item").order_by("id"))))


def dispense_get(*, viewer: Membership, dispense_id: object) -> Dispense:
    pk = db_id(dispense_id)
    dispense = dispenses_of(viewer).filter(pk=pk).first() if pk else None
    if dispense is None:
        raise NotFound(_("سابقه ارائه پیدا نشد."))
    return dispense

