"""Bench only (bench/login_cpu.py): the portal's settings without the certificate-session middlewares.

The same page served with and without them shows what they cost per request. Only the middlewares named below
are removed (those a commit does not have are simply absent); everything else is ``portal.settings``. Without
them a session is a plain Django session: no certificate re-check, no member access check, no cutover redirect,
no idle/absolute limits, no gateway check. Never use it to serve anyone.
"""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE as _ALL_MIDDLEWARE

CERTIFICATE_SESSION_MIDDLEWARES = (
    "certauth.middleware.CertificateSessionMiddleware",
    "portal.middleware.MemberAccessMiddleware",
    "rollout.middleware.CutoverMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "oidc.gateway.GatewayCheckMiddleware",
)

MIDDLEWARE = [name for name in _ALL_MIDDLEWARE if name not in CERTIFICATE_SESSION_MIDDLEWARES]
