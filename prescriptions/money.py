"""Money, exactly as DESIGN.md says: integers in Rials, the insurer's share rounded down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    total: int
    insurer_share: int
    patient_share: int

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "insurer_share": self.insurer_share,
                "patient_share": self.patient_share}

    def __add__(self, other: Split) -> Split:
        return Split(self.total + other.total, self.insurer_share + other.insurer_share,
                     self.patient_share + other.patient_share)


ZERO = Split(0, 0, 0)


def split(*, unit_price: int, quantity: int, patient_share_percent: int, covered: bool) -> Split:
    """total = price × quantity; insurer = ⌊total × (100 − share%) / 100⌋; patient = the rest.

    Uncovered items (and uninsured patients, who come with share 100) are paid by the patient.
    """
    if unit_price < 0 or quantity < 0 or not 0 <= patient_share_percent <= 100:
        raise ValueError("price, quantity and share must be in range")
    total = int(unit_price) * int(quantity)
    insurer = total * (100 - patient_share_percent) // 100 if covered else 0
    return Split(total, insurer, total - insurer)


def total_of(splits) -> Split:
    result = ZERO
    for part in splits:
        result = result + part
    return result
