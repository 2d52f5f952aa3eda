"""What a certificate login leaves in the session: the certificate it was made with, for the portal host.

The certificate itself reaches Django only on the login host; on the portal host the session carries its
fingerprint, serial, issuer and expiry, from which the session is revalidated on every request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from certauth.icp.validation import ValidatedCertificate

SESSION_KEY = "_certauth_certificate"
_DATETIMES = ("not_after", "logged_in_at", "revocation_checked_at")


@dataclass(frozen=True, slots=True)
class SessionCertificate:
    fingerprint: str
    serial_hex: str
    issuer: str
    issuer_key_id: str
    subject: str
    holder_name: str
    cpf: str
    certificate_type: str
    not_after: dt.datetime
    method: str
    logged_in_at: dt.datetime
    reference: str
    #: When the certificate was last found not revoked (at login, then by the middleware every few minutes).
    revocation_checked_at: dt.datetime
    #: Cloud logins: the PSC that holds the key (``vidaas``…); empty for a token or card.
    provider: str = ""
    #: ``(issuer key id, serial, name)`` of every certificate of the validated path but the root, leaf first: the
    #: whole path is re-checked against the CRL store while the session stays open.
    chain: tuple[tuple[str, str, str], ...] = ()
    #: The OAB registration the certificate carries (number, UF), if any: re-checked against the member's.
    oab_number: str = ""
    oab_uf: str = ""
    #: The session row's count of access changes when the path was last checked (``access_generation``).
    access_generation: int = 0
    #: The company's CNPJ of an e-CNPJ (empty for an e-CPF): the OpenID provider's ``cnpj`` claim.
    cnpj: str = ""

    @property
    def amr(self) -> str:
        """How gov.br's Login Único names the method: ``x509_token``, or ``x509_<psc>`` for a cloud certificate."""
        return f"x509_{self.provider}" if self.provider else "x509_token"

    @classmethod
    def of(
        cls, certificate: ValidatedCertificate, *, method: str, reference: str, provider: str = ""
    ) -> SessionCertificate:
        return cls(
            provider=provider,
            fingerprint=certificate.facts.fingerprint_sha256,
            serial_hex=certificate.facts.serial_hex,
            issuer=certificate.facts.issuer,
            issuer_key_id=certificate.issuer_key_id,
            subject=certificate.facts.subject,
            holder_name=certificate.identity.name,
            cpf=certificate.identity.cpf,
            certificate_type=certificate.policy.certificate_type,
            not_after=certificate.facts.not_after,
            method=method,
            logged_in_at=certificate.validated_at,
            reference=reference,
            revocation_checked_at=certificate.validated_at,
            chain=certificate.revocation_keys,
            oab_number=certificate.identity.oab.number if certificate.identity.oab else "",
            oab_uf=certificate.identity.oab.uf if certificate.identity.oab else "",
            cnpj=certificate.identity.cnpj or "",
        )

    @property
    def revocation_keys(self) -> tuple[tuple[str, str, str], ...]:
        """The path to re-check; a session stored before the path was kept re-checks its own certificate."""
        return self.chain or ((self.issuer_key_id, self.serial_hex, ""),)

    def store(self, session: SessionBase) -> None:
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in _DATETIMES:
            data[name] = data[name].isoformat()
        session[SESSION_KEY] = data

    @classmethod
    def load(cls, session: SessionBase) -> SessionCertificate | None:
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict):
            return None
        try:
            chain = tuple((str(k), str(s), str(n)) for k, s, n in data.get("chain", ()))
            dates = {name: dt.datetime.fromisoformat(data[name]) for name in _DATETIMES}
            return cls(**{**data, **dates, "chain": chain})
        except (KeyError, TypeError, ValueError):
            return None

    def rechecked(self, at: dt.datetime, *, generation: int) -> SessionCertificate:
        return replace(self, revocation_checked_at=at, access_generation=generation)


def path_issuer_keys(session_data: Mapping[str, Any]) -> tuple[str, ...]:
    """The key ids of the issuers on the path of the certificate session stored in ``session_data`` (a session
    engine keeps them in a column, to find the sessions a new CRL concerns); empty for other sessions."""
    data = session_data.get(SESSION_KEY)
    if not isinstance(data, dict):
        return ()
    chain = data.get("chain") or [(data.get("issuer_key_id"), "", "")]
    return tuple(str(link[0]) for link in chain if isinstance(link, list | tuple) and link and link[0])


def access_generation(session: SessionBase) -> int:
    """How many times staff changed something this session's access depends on (0 where nothing did, or with a
    session engine that does not count: then only the periodic re-checks apply).

    A session engine that keeps its sessions findable by user (``portal.sessions``) counts, in the session's own row,
    every change to the member's record, memberships or entity, and every new CRL of an AC on the session's path;
    each middleware that re-evaluates an open session keeps the count it saw at its last check and re-evaluates at
    once when the row's count differs. A count, not an instant: a change committed after a concurrent check (which
    read the data before it) still differs from what that check saw. Read it after the session's data was read
    (the row, and so the count, is loaded with the data).
    """
    return int(getattr(session, "access_generation", 0) or 0)
