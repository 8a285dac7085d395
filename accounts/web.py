from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address. Behind PROXY_HOPS trusted proxies it is the address the
    outermost of them saw: X-Forwarded-For's entry that many places from the right (each
    proxy appends what it saw), never the leftmost, which any client can write."""
    hops = getattr(settings, "PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:45] or None
    return request.META.get("REMOTE_ADDR") or None
