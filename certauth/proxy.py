"""The trusted-proxy boundary: a forwarded certificate is believed only if it came from our nginx.

nginx sends ``X-Proxy-Secret`` (a shared secret) on every request and always overwrites the certificate header,
so a client can neither supply a certificate header itself nor reach gunicorn without the secret. Optionally
(``CERTAUTH_TRUSTED_PROXIES``) the connection must also come from a listed address or network — ``"unix"``
meaning gunicorn's unix socket.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from cryptography import x509
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from certauth.conf import settings
from certauth.exceptions import LoginRejected
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.forwarded import decode_forwarded_certificate


def is_trusted_proxy(request: HttpRequest) -> bool:
    secret = settings.PROXY_SECRET
    presented = request.META.get(settings.SECRET_HEADER, "")
    if not secret or not constant_time_compare(presented, secret):
        return False
    networks = settings.TRUSTED_PROXIES
    return not networks or _address_in(request.META.get("REMOTE_ADDR", ""), networks)


def require_trusted_proxy(request: HttpRequest) -> None:
    if not is_trusted_proxy(request):
        raise LoginRejected(Reason.PROXY_UNTRUSTED, "Cabeçalho de certificado recebido fora do proxy confiável.")


def forwarded_certificate(request: HttpRequest) -> x509.Certificate:
    """The client certificate nginx forwarded (call :func:`require_trusted_proxy` first)."""
    try:
        return decode_forwarded_certificate(
            request.META.get(settings.CERTIFICATE_HEADER), max_length=settings.MAX_HEADER_LENGTH
        )
    except CertificateError as exc:
        raise LoginRejected.from_certificate_error(exc) from None


def client_ip(request: HttpRequest) -> str | None:
    """The browser's address: nginx's ``X-Real-IP`` when the request came through it, else the peer. An IPv4
    client seen through a dual-stack socket or balancer (``::ffff:1.2.3.4``) is its IPv4 address: otherwise every
    such client would share one IPv6 /64 in the per-address limits."""
    candidate = request.META.get(settings.CLIENT_IP_HEADER, "") if is_trusted_proxy(request) else ""
    for value in (candidate, request.META.get("REMOTE_ADDR", "")):
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            continue
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return str(mapped or address)
    return None


def proxy_header(request: HttpRequest, name: str, *, limit: int = 200) -> str:
    """An informational header set by nginx (request id, nginx's own verify result); empty if untrusted."""
    return request.META.get(name, "")[:limit] if is_trusted_proxy(request) else ""


def _address_in(address: str, networks: Iterable[str]) -> bool:
    """``"unix"`` stands for a peer on gunicorn's unix socket (which has no address)."""
    entries = [str(n) for n in networks]
    if address in ("", "unix") or address.startswith("/"):
        return "unix" in entries
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in entries if n != "unix")
