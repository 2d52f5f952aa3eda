"""The demo's "Portal de Atendimento (demonstração)": a small relying party that stands in for the INSS Portal de
Atendimento (PAT). It trusts the A3 access portal as its OpenID Provider through Authlib (a well-known OpenID
Connect client library, not the portal's code): discovery, authorization code flow with PKCE S256, ``state`` and
``nonce``, the ID token checked against the JWKS, RP-initiated logout, and back-channel logout tokens verified with
joserfc (Authlib's JOSE library) that end the local sessions at once.

``python -m patdemo`` serves it on loopback over plain http (``OIDC_DEMO_RP_PORT``, 8450); ``manage.py serve``
starts it in the demo. Nothing here imports Django.
"""
