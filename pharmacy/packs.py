"""Pack authenticity codes (TTAC, seed 002 §9-2-7): every pack of a tracked drug given at
the counter carries its own 16-digit code; a line of a dispense is at most one pack (a pack
given in part still takes its code, once). `TTAC_REQUIRED` turns the obligation off for a
deployment whose drugs are not labelled yet."""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.errors import Invalid
from accounts.identity import latin_digits
from accounts.jalali import fa_digits
from prescriptions.models import PrescriptionItem


def pack_code_clean(value: object) -> str:
    """The 16 digits of a pack code (Persian digits, spaces and dashes allowed); ValueError."""
    code = latin_digits(str(value or "")).strip().replace(" ", "").replace("-", "")
    if not (len(code) == 16 and code.isascii() and code.isdigit()):
        raise ValueError(code)
    return code


def required_for(item: PrescriptionItem) -> bool:
    return settings.TTAC_REQUIRED and item.catalog_item.is_pack_tracked


def packs_needed(quantity: int, pack_size: int | None) -> int:
    return math.ceil(quantity / pack_size) if pack_size else 1


def line_problems(item: PrescriptionItem, *, quantity: int, uid: str) -> dict[str, list[str]]:
    """What is wrong with one API line of this item as TTAC sees it."""
    if not required_for(item):
        return {}
    problems: dict[str, list[str]] = {}
    if not uid:
        problems["uid"] = [_("«{name}» کد اصالت دارد: کد ۱۶ رقمی بسته را وارد کنید.").format(
            name=item.name)]
    size = item.catalog_item.pack_size
    if size and quantity > size:
        problems["quantity"] = [_("هر سطر حداکثر یک بسته است: «{name}» در هر بسته {n} عدد "
                                  "دارد.").format(name=item.name, n=fa_digits(size))]
    return problems


def lines_from_packs(*, item: PrescriptionItem, quantity: int, codes: list[str]) -> list[dict]:
    """The counter page sends a quantity and the codes scanned for it: one line per pack,
    full packs first and the part-pack last. The count of codes must match the packs."""
    codes = [code for code in codes if code]
    size = item.catalog_item.pack_size
    if not codes and not required_for(item):
        return [{"item": item.pk, "quantity": quantity}]
    packs = packs_needed(quantity, size) if size else min(max(len(codes), 1), quantity)
    if len(codes) != packs:
        raise Invalid(
            _("برای {q} عدد «{name}» {p} بسته لازم است و {c} کد اصالت وارد شده است.").format(
                q=fa_digits(quantity), name=item.name, p=fa_digits(packs),
                c=fa_digits(len(codes))),
            code="pack_count", errors={f"uid-{item.pk}": [_("تعداد کدها با بسته‌ها نمی‌خواند.")]})
    if size:
        sizes = [size] * (packs - 1) + [quantity - size * (packs - 1)]
    else:
        share, extra = divmod(quantity, packs)
        sizes = [share + (extra if index == 0 else 0) for index in range(packs)]
    return [{"item": item.pk, "quantity": amount, "uid": code}
            for amount, code in zip(sizes, codes, strict=True)]
