"""HTML to PDF with WeasyPrint, for every document the site prints (invoices, paper
copies): our own static files only (no network fetches from a document, whatever text it
holds), and one font configuration per thread, so fonts are loaded once, not per PDF."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

_local = threading.local()


def _tools():
    from weasyprint.text.fonts import FontConfiguration  # pango: loaded only when asked
    from weasyprint.urls import URLFetcher

    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
        _local.fetcher = URLFetcher(allowed_protocols=["file", "data"], timeout=2)
    return _local.fonts, _local.fetcher


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    fonts, fetcher = _tools()
    document = HTML(string=html, base_url=str(Path(settings.BASE_DIR) / "static"),
                    url_fetcher=fetcher)
    return document.write_pdf(font_config=fonts)
