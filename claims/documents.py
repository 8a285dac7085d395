"""An invoice as a document: a Persian, right-to-left PDF (WeasyPrint, Vazirmatn embedded,
Jalali period, Persian digits) and a CSV. A PDF is kept once made for an invoice's state."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from accounts.pdf import html_to_pdf
from claims.invoicing import deduction_reasons, invoice_lines
from claims.models import Deduction, Invoice

CACHE = Path(settings.BASE_DIR) / "var" / "invoices"


def lines_with_deductions(invoice: Invoice) -> list[dict]:
    reasons = deduction_reasons(invoice)
    labels = dict(Deduction.Reason.choices)
    return [{"line": line, "deduction": line.deducted or 0,
             "reason": reasons.get(line.pk, ""),
             "reason_label": labels.get(reasons.get(line.pk, ""), "")}
            for line in invoice_lines(invoice)]


def invoice_pdf(invoice: Invoice) -> bytes:
    stamp = int(invoice.updated_at.timestamp())
    path = CACHE / f"{invoice.pk}-{stamp}.pdf"
    if path.exists():
        return path.read_bytes()
    html = render_to_string("claims/invoice_pdf.html", {"invoice": invoice,
                                                         "rows": lines_with_deductions(invoice)})
    pdf = html_to_pdf(html)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"{invoice.pk}-*.pdf"):
        old.unlink(missing_ok=True)
    path.write_bytes(pdf)
    return pdf


def invoice_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["claim_line", "service_date", "tracking_code", "hid", "code", "quantity",
                     "unit_price", "total", "insurer_share", "deduction", "reason",
                     "payable"])
    for row in lines_with_deductions(invoice):
        line = row["line"]
        writer.writerow([line.pk, line.claim.service_date.isoformat(), line.claim.tracking_code,
                         line.claim.hid, line.code, line.quantity, line.unit_price, line.total,
                         line.amount, row["deduction"], row["reason"],
                         line.amount - row["deduction"]])
    writer.writerow([])
    writer.writerow(["period", invoice.period, "claimed", invoice.claimed, "deductions",
                     invoice.deductions, "payable", invoice.payable])
    return out.getvalue()
