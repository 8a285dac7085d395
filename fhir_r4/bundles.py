"""The documents around resources: a search's Bundle and the server's CapabilityStatement."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from fhir_r4.mapping import instant
from fhir_r4.search import Search

FHIR_VERSION = "4.0.1"


def full_url(request, resource_type: str, resource_id: str) -> str:
    return request.build_absolute_uri(reverse(f"fhir:{resource_type}-read",
                                              args=[resource_id]))


def searchset(request, resource_type: str, resources: list[dict], *, total: int,
              search: Search) -> dict:
    """A searchset Bundle: `total` counts every match, `entry` this page of them, and a
    `next` link while more remain."""
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if search.count and search.offset + len(resources) < total:
        query = request.GET.copy()
        query["_offset"] = str(search.offset + search.count)
        links.append({"relation": "next",
                      "url": request.build_absolute_uri(f"{request.path}?{query.urlencode()}")})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(timezone.now()),
        "total": total,
        "link": links,
    }
    if resources:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": full_url(request, resource_type, resource["id"]),
                            "resource": resource, "search": {"mode": "match"}}
                           for resource in resources]
    return bundle


def capability_statement(request, endpoints) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Noskhe",
        "kind": "instance",
        "software": {"name": "Noskhe"},
        "implementation": {
            "description": "نسخه الکترونیک: رابط FHIR R4 فقط خواندنی",
            "url": request.build_absolute_uri(reverse("fhir:metadata")).removesuffix(
                "metadata"),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "همان دسترسی‌های API نسخه ۱ (/api/v1/)؛ هر خواندن اطلاعات بیمار "
                             "در گزارش دسترسی ثبت می‌شود.",
            "security": {"description": "سرآیند Authorization: Token <کلید> که ورود پیامکی "
                                        "POST /api/v1/auth/otp/verify می‌دهد."},
            "resource": [{
                "type": endpoint.type,
                "profile": f"http://hl7.org/fhir/StructureDefinition/{endpoint.type}",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "versioning": "no-version",
                "readHistory": False,
                "updateCreate": False,
                "searchParam": [{"name": p.name, "type": p.type,
                                 "documentation": p.documentation}
                                for p in endpoint.params],
            } for endpoint in endpoints],
        }],
    }
