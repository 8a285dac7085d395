"""Money, exactly as DESIGN.md says: integers in Rials, the insurer's share rounded down.

total = unit_price × quantity
base = min(unit_price, tariff) × quantity    (the total when the item has no tariff)
insurer_share = ⌊base × (100 − patient share %) / 100⌋      (0 when not covered)
supplementary_share = ⌊(base − insurer_share) × supplementary % / 100⌋   (covered items only)
patient_share = total − insurer_share − supplementary_share

The part of a price above the insurer's tariff (seed 002 §8-6) is the patient's alone: the
supplementary insurer shares only the patient's part within the tariff.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    total: int
    insurer_share: int
    patient_share: int
    supplementary_share: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "insurer_share": self.insurer_share,
                "supplementary_share": self.supplementary_share,
                "patient_share": self.patient_share}

    def __add__(self, other: Split) -> Split:
        return Split(self.total + other.total, self.insurer_share + other.insurer_share,
                     self.patient_share + other.patient_share,
                     self.supplementary_share + other.supplementary_share)


ZERO = Split(0, 0, 0)


def split(*, unit_price: int, quantity: int, patient_share_percent: int, covered: bool,
          supplementary_percent: int = 0, tariff: int | None = None) -> Split:
    """Who pays what for one line. Uncovered items (and uninsured patients, who come with
    share 100 and no cover) are the patient's; a supplementary insurer pays its percentage
    of the patient's part of covered items, within the tariff when there is one."""
    if unit_price < 0 or quantity < 0 or not 0 <= patient_share_percent <= 100:
        raise ValueError("price, quantity and share must be in range")
    if not 0 <= supplementary_percent <= 100:
        raise ValueError("supplementary percent must be in range")
    if tariff is not None and tariff < 0:
        raise ValueError("a tariff is not negative")
    total = int(unit_price) * int(quantity)
    base = min(int(unit_price), int(tariff)) * int(quantity) if tariff is not None else total
    insurer = base * (100 - patient_share_percent) // 100 if covered else 0
    supplementary = (base - insurer) * supplementary_percent // 100 if covered else 0
    return Split(total, insurer, total - insurer - supplementary, supplementary)


def total_of(splits) -> Split:
    result = ZERO
    for part in splits:
        result = result + part
    return result
