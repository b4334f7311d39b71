from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address, trusting X-Forwarded-For only from our own proxies.

    Each of the STAAS_PROXY_COUNT proxies appends the address it saw, so the
    client is that many entries from the right; anything further left is
    whatever the client chose to send.
    """
    proxies = settings.STAAS_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if proxies and len(hops) >= proxies:
        return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
