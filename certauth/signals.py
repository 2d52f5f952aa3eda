"""certauth's signals: for telling others, never for deciding anything.

``crl_loaded`` — a new CRL became an issuer's current one (``crl_store.ingest``). Keyword arguments:
``issuer_key_id`` (str, the issuer's key id as in the store), ``entries`` (int). ``portal.receivers`` marks the open
sessions whose path that issuer is on, which re-check their path at their next request; without a receiver the
periodic re-check (``CERTAUTH_SESSION_RECHECK_SECONDS``) still ends a revoked session.
"""

from __future__ import annotations

from django.dispatch import Signal

crl_loaded = Signal()
