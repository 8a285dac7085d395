"""The paper copy as a PDF (WeasyPrint): A5, Persian, right to left, Vazirmatn embedded,
Jalali dates; the HID as a Code 128 barcode (python-barcode, SVG) and the signed payload as
a QR code (segno, PNG: WeasyPrint draws a bitmap far faster than a QR's SVG path).

A copy is made once for what it shows and kept under var/paper/."""

from __future__ import annotations

import base64
import hashlib
import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.pdf import html_to_pdf
from paper import payload

CACHE = Path(settings.BASE_DIR) / "var" / "paper"


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def barcode_svg(text: str) -> bytes:
    import barcode
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        out, options={"write_text": False, "module_height": 10.0, "quiet_zone": 4.0})
    return out.getvalue()


def qr_png(text: str) -> tuple[bytes, float]:
    """The QR as a PNG and its printed width in mm: 0.33 mm a module (what counter
    scanners read), never under 34 mm nor over 72 mm (A5's text block is 130 mm)."""
    import segno

    out = io.BytesIO()
    # A fixed mask skips segno's evaluation of all eight (tens of ms); any mask scans.
    code = segno.make(text, error="l", mask=0, micro=False)  # boosted when room allows
    code.save(out, kind="png", scale=4, border=4)
    modules = code.symbol_size(border=4)[0]
    return out.getvalue(), round(min(72.0, max(34.0, modules * 0.33)), 1)


TEMPLATE = "paper/prescription_pdf.html"


def _html(prescription, *, qr: bytes, qr_mm: float, barcode: bytes) -> str:
    return render_to_string(TEMPLATE, {
        "p": prescription, "age": prescription.patient.age_on(
            timezone.localdate(prescription.created_at)),
        "qr": _data_uri("image/png", qr) if qr else None, "qr_mm": qr_mm,
        "barcode": _data_uri("image/svg+xml", barcode) if barcode else "",
    })


def render(prescription, token: str | None) -> bytes:
    qr, qr_mm = qr_png(token) if token else (b"", 0)
    return html_to_pdf(_html(prescription, qr=qr, qr_mm=qr_mm,
                             barcode=barcode_svg(prescription.hid)))


def cache_key(prescription, token: str | None) -> str:
    """Everything the copy shows: the page without its images, and what the QR signs (its
    signature differs each time; what it covers does not)."""
    page = _html(prescription, qr=b"", qr_mm=0, barcode=b"")
    signed = token.rsplit(".", 1)[0] if token else ""
    return hashlib.sha256(f"{page}\n{signed}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def paper_pdf(prescription) -> bytes:
    """The copy, made once for what it shows (an edit, a dispense, a renamed patient or a
    new site key make a new one) and kept under var/paper/."""
    token = payload.issue(prescription)
    path = CACHE / f"{prescription.tracking_code}-{cache_key(prescription, token)}.pdf"
    if path.exists():
        return path.read_bytes()
    pdf = render(prescription, token)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"{prescription.tracking_code}-*.pdf"):
        old.unlink(missing_ok=True)
    with tempfile.NamedTemporaryFile(dir=CACHE, suffix=".tmp", delete=False) as handle:
        handle.write(pdf)
    Path(handle.name).replace(path)  # atomic: a concurrent print never reads half a file
    return pdf
