"""HTML to PDF with WeasyPrint, for every document the site prints (invoices, paper
copies): our own static files only (no network fetches from a document, whatever text it
holds), and one font configuration per thread, so fonts are loaded once, not per PDF."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

_local = threading.local()


def url_to_path(url: str) -> str:
    return unquote(urlsplit(url).path)


def _tools():
    from weasyprint.text.fonts import FontConfiguration  # pango: loaded only when asked
    from weasyprint.urls import URLFetcher

    static = (Path(settings.BASE_DIR) / "static").resolve()

    class StaticOnly(URLFetcher):
        """data: URIs, and files under static/; nothing else is fetched."""

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(url_to_path(url)).resolve()
                if not path.is_relative_to(static):
                    raise ValueError(f"not one of our static files: {url}")
            return super().fetch(url, headers)

    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
        _local.fetcher = StaticOnly(allowed_protocols=["file", "data"], timeout=2)
    return _local.fonts, _local.fetcher


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    fonts, fetcher = _tools()
    document = HTML(string=html, base_url=str(Path(settings.BASE_DIR) / "static"),
                    url_fetcher=fetcher)
    return document.write_pdf(font_config=fonts)
