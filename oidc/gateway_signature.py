"""The identity headers the A3 gateway hands to a legacy system, and how that system verifies them.

For the developers of the system behind the gateway (the upstream). This module is pure Python (no Django):
copy it, or import it. The gateway (nginx ``auth_request`` answered by the portal, ``oidc/gateway.py``) sends
every request it lets through with these headers, all ASCII:

==================  ========================================================================================
``X-A3-CPF``        the person's CPF, 11 digits
``X-A3-Name``       the person's name, UTF-8 percent-encoded (RFC 3986): ``Jos%C3%A9%20da%20Silva``
``X-A3-Entity``     the code of the entity the person acts for (percent-encoded); empty: none chosen yet
``X-A3-Entities``   the codes of every entity the person may act for, percent-encoded, joined by ``,``
``X-A3-Method``     how the person logged in: ``x509_token`` (token or card), ``x509_<psc>`` (cloud
                    certificate: ``x509_vidaas``…), ``passwd`` (legacy CPF and password)
``X-A3-Assurance``  ``urn:inss:a3:acr:a3`` / ``urn:inss:a3:acr:a4`` (certificate) or ``urn:inss:a3:acr:senha``
``X-A3-Auth-Time``  the login instant, Unix seconds
``X-A3-Session``    an opaque id of the portal session (the same for every request of one session; not its key)
``X-A3-Timestamp``  when the portal checked this request, Unix seconds
``X-A3-Signature``  ``v1=`` + HMAC-SHA256 (hex) with the secret shared with the portal (``OIDC_GATEWAY_SECRET``)
                    over :func:`canonical` — every header above, the request's method and its URI
==================  ========================================================================================

The signature binds the headers to one request line: a header set copied from one request fails on another URL
or method, and on any URL once the timestamp is older than ``max_age`` (60 s). Within those 60 s the same set
verifies again for the same method and URI (a reload); refuse repeats yourself if that matters (remember the
signatures seen in the last minute). Trust nothing else the request carries about the person.

Verify every request before reading the identity::

    from oidc.gateway_signature import GatewaySignatureError, request_target, verify

    try:
        identity = verify(SECRET, method=request.method, uri=request_target(request.environ), headers=request.headers)
    except GatewaySignatureError:
        abort(403)
    identity.cpf, identity.name, identity.entity, identity.method, identity.assurance

``uri`` is the request target exactly as it reached you: path and query string, as the browser sent them to the
gateway (nginx passes it through unchanged; mount the system under the same path behind the gateway).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, unquote

#: The signed headers, in the order of the canonical form.
SIGNED_HEADERS = (
    "X-A3-CPF",
    "X-A3-Name",
    "X-A3-Entity",
    "X-A3-Entities",
    "X-A3-Method",
    "X-A3-Assurance",
    "X-A3-Auth-Time",
    "X-A3-Session",
    "X-A3-Timestamp",
)
SIGNATURE_HEADER = "X-A3-Signature"
#: Every header the gateway sets toward the upstream.
ALL_HEADERS = (*SIGNED_HEADERS, SIGNATURE_HEADER)
VERSION = "v1"
#: Seconds a signed header set stays valid (either side of the upstream's clock).
MAX_AGE = 60
_DOMAIN = b"A3-GATEWAY-V1"

Secret = str | bytes


class HeaderItems(Protocol):
    """Any request's headers: a dict, Django's ``request.headers``, Werkzeug's (Flask) ``request.headers``."""

    def items(self) -> Iterable[tuple[str, str]]: ...


class GatewaySignatureError(ValueError):
    """The headers are missing, malformed, stale or not signed with the shared secret: refuse the request."""


@dataclass(frozen=True)
class GatewayIdentity:
    """What the portal vouches for, decoded."""

    cpf: str
    name: str
    entity: str  #: the entity's code; empty: none chosen
    entities: tuple[str, ...]
    method: str  #: ``x509_token``, ``x509_<psc>``, ``passwd``
    assurance: str  #: ``urn:inss:a3:acr:a3`` / ``…:a4`` / ``…:senha``
    auth_time: int
    session: str
    timestamp: int

    @property
    def certificate(self) -> bool:
        """Whether the person logged in with an ICP-Brasil certificate (token, card or cloud)."""
        return self.method.startswith("x509_")


def encode(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 (every byte but unreserved characters): a header-safe ASCII value."""
    return quote(value, safe="")


def encode_list(values: Iterable[str]) -> str:
    return ",".join(encode(v) for v in values)


def canonical(*, method: str, uri: str, headers: Mapping[str, str]) -> bytes:
    """What is signed: a domain tag, the method, the URI, then ``name:value`` of each signed header (lower-case
    names, fixed order), one per line. No value may hold a line break (none does once encoded)."""
    lines = [_DOMAIN.decode(), method.upper(), uri]
    found = _lower(headers)
    for name in SIGNED_HEADERS:
        lines.append(f"{name.lower()}:{found.get(name.lower(), '')}")
    for line in lines[1:]:
        if "\n" in line or "\r" in line:
            raise GatewaySignatureError("line break in a signed value")
    return "\n".join(lines).encode("utf-8")


def sign(secret: Secret, *, method: str, uri: str, headers: Mapping[str, str]) -> str:
    """The ``X-A3-Signature`` value for these headers on this request line."""
    if not secret:
        raise GatewaySignatureError("no gateway secret configured")
    digest = hmac.new(_key(secret), canonical(method=method, uri=uri, headers=headers), hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def verify(
    secret: Secret | Iterable[Secret],
    *,
    method: str,
    uri: str,
    headers: Mapping[str, str] | HeaderItems,
    now: float | None = None,
    max_age: int = MAX_AGE,
) -> GatewayIdentity:
    """The identity the portal vouches for on this request, or :class:`GatewaySignatureError`.

    ``secret``: the shared secret, or several while it is being rotated (any one may have signed).
    ``method``, ``uri``: the request's method and target (path + ``?`` + query) as received.
    ``headers``: the request's headers (any mapping; names are matched case-insensitively).
    """
    secrets = [secret] if isinstance(secret, str | bytes) else list(secret)
    if not any(secrets):
        raise GatewaySignatureError("no gateway secret configured")
    found = _lower(headers)
    presented = found.get(SIGNATURE_HEADER.lower(), "")
    if not presented.startswith(f"{VERSION}="):
        raise GatewaySignatureError("missing or unknown signature")
    for name in SIGNED_HEADERS:
        if name.lower() not in found:
            raise GatewaySignatureError(f"missing header {name}")
    if not any(
        hmac.compare_digest(sign(s, method=method, uri=uri, headers=found).encode(), presented.encode())
        for s in secrets
        if s
    ):
        raise GatewaySignatureError("bad signature")
    try:
        timestamp = int(found["x-a3-timestamp"])
        auth_time = int(found["x-a3-auth-time"])
    except ValueError:
        raise GatewaySignatureError("malformed timestamp") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > max_age:
        raise GatewaySignatureError("stale signature")
    entities = found["x-a3-entities"]
    return GatewayIdentity(
        cpf=found["x-a3-cpf"],
        name=unquote(found["x-a3-name"], errors="strict"),
        entity=unquote(found["x-a3-entity"], errors="strict"),
        entities=tuple(unquote(e, errors="strict") for e in entities.split(",")) if entities else (),
        method=found["x-a3-method"],
        assurance=found["x-a3-assurance"],
        auth_time=auth_time,
        session=found["x-a3-session"],
        timestamp=timestamp,
    )


def request_target(environ: Mapping[str, object]) -> str:
    """The request target (path and query, undecoded) of a WSGI request: gunicorn's ``RAW_URI`` or the
    ``REQUEST_URI`` of other servers; else rebuilt from the decoded path (the same for plain paths)."""
    for key in ("RAW_URI", "REQUEST_URI"):
        value = environ.get(key)
        if isinstance(value, str) and value.startswith("/"):
            return value
    path = quote(f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}".encode("latin-1"), safe="/")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _lower(headers: Mapping[str, str] | HeaderItems) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _key(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret
