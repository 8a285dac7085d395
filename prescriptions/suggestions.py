"""The cost proposal of seed 002 §8-6 at prescribing: for an item in a generic group, the
group's cheapest active member when it would cost the patient less, with the saving, so
the doctor can swap the brand for the generic in one click."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from config.sql import CompiledInRead
from prescriptions import money
from prescriptions.models import CatalogItem
from prescriptions.rules import tariffs_on


@dataclass(frozen=True)
class Priced:
    """One line as the patient pays it now."""

    item: CatalogItem
    quantity: int
    patient_share: int
    covered: bool
    patient_share_percent: int
    supplementary_percent: int = 0


# the groups' active members, cheapest first: compiled once per count of groups
_active_members = CompiledInRead(
    CatalogItem, lambda groups: CatalogItem.objects.filter(
        generic_group_id__in=groups, active=True).order_by("unit_price", "code"),
    lambda i: -900_300 - i)


def suggestions(lines: list[Priced], *, scheme_id: int | None, day: dt.date) -> list[dict]:
    """`[{code, alternative: {code, name, unit_price}, patient_saving}]`; one query for
    the groups' members (and one for their tariffs), none without a grouped item."""
    groups = {line.item.generic_group_id for line in lines if line.item.generic_group_id}
    if not groups:
        return []
    cheapest: dict[int, CatalogItem] = {}
    for member in _active_members(sorted(groups)):
        cheapest.setdefault(member.generic_group_id, member)
    tariffs = tariffs_on(list(cheapest.values()), scheme_id, day)
    found = []
    for line in lines:
        other = cheapest.get(line.item.generic_group_id)
        if other is None or other.pk == line.item.pk or other.kind != line.item.kind:
            continue
        then = money.split(unit_price=other.unit_price, quantity=line.quantity,
                           patient_share_percent=line.patient_share_percent,
                           covered=line.covered,
                           supplementary_percent=line.supplementary_percent,
                           tariff=tariffs.get(other.pk) if line.covered else None)
        saving = line.patient_share - then.patient_share
        if saving > 0:
            found.append({"code": line.item.code,
                          "alternative": {"code": other.code, "name": other.name,
                                          "unit_price": other.unit_price},
                          "patient_saving": saving})
    return found


def for_evaluation(evaluation, *, scheme_id: int | None, day: dt.date) -> list[dict]:
    return suggestions([Priced(p.line.item, p.line.quantity, p.split.patient_share, p.covered,
                               p.patient_share_percent, p.supplementary_percent)
                        for p in evaluation.lines], scheme_id=scheme_id, day=day)


def for_prescription(prescription) -> list[dict]:
    """The same for a registered prescription, from its stored lines."""
    return suggestions([Priced(i.catalog_item, i.quantity, i.patient_share, i.covered,
                               prescription.patient_share_percent,
                               prescription.supplementary_percent)
                        for i in prescription.items.all()],
                       scheme_id=prescription.scheme_id,
                       day=timezone.localdate(prescription.created_at))
