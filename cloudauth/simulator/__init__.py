"""A PSC simulator: the "API v0" of DOC-ICP-17.01 §6.4 on a real loopback HTTP server, for the tests and the demo.

It implements the endpoints honestly (PKCE S256, single-use authorization codes, bearer tokens, client credentials,
real RSA/ECDSA signatures with the account's key) and can be told, through :class:`Behaviour`, to act like each
PSC's deviation (path prefix, hash and token-request encodings, VIDaaS push, certificate format), to be slow, to
fail, to refuse, to return another CPF or a signature that does not verify.

Endpoints, all under ``{path_prefix}/v0/oauth/`` (endpoint names, used by ``delay_endpoints``/``fail_endpoints``
and by :meth:`PscSimulator.requests_to`, in parentheses):

- ``POST user-discovery`` ("user-discovery");
- ``GET authorize`` ("authorize") and, for ``approval="page"``, ``POST authorize/decision`` ("authorize-decision");
- ``POST token`` ("token");
- ``GET certificate-discovery`` ("certificate-discovery");
- ``POST signature`` ("signature");
- at the server root: ``GET /valid/api/v1/trusted-services/authentications?code=`` ("authentications", VIDaaS push).

A request to any other path is recorded with the endpoint name ``"unknown"`` and answered 404.

No Django here: the module is used by plain tests and run as a process by the demo (``python -m
cloudauth.simulator --help``).
"""

from cloudauth.simulator.model import (
    AUTHENTICATIONS_PATH,
    ENDPOINTS,
    MAX_BODY_BYTES,
    PUSH_REDIRECT_URI,
    SCOPES,
    SHA256_OID,
    Account,
    Behaviour,
    PrivateKey,
    RecordedRequest,
)
from cloudauth.simulator.psc import PscSimulator

__all__ = [
    "AUTHENTICATIONS_PATH",
    "ENDPOINTS",
    "MAX_BODY_BYTES",
    "PUSH_REDIRECT_URI",
    "SCOPES",
    "SHA256_OID",
    "Account",
    "Behaviour",
    "PrivateKey",
    "PscSimulator",
    "RecordedRequest",
]
