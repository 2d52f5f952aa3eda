"""What the provider tells a client about a portal session: the claims, in gov.br Login Único's conventions where
gov.br has the concept (``sub`` = CPF, ``amr`` ``x509``/``x509_token``/``x509_<psc>``/``passwd``, ``cnpj``).

Pure: the facts come in as values (the session's, kept when the code was issued, and the member's, read when the
token is issued), so the rule is tested without Django or the OpenID library.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from certauth.icp.clock import BRASILIA


class Assurance(enum.StrEnum):
    """``acr``: how sure the portal is of who logged in (ours, as URIs; A3/A4 certificate, or the legacy password)."""

    A3 = "urn:inss:a3:acr:a3"
    A4 = "urn:inss:a3:acr:a4"
    PASSWORD = "urn:inss:a3:acr:senha"  # noqa: S105  (a URI, not a secret)


#: Which scope releases which claim (``openid``: every client that asked for an ID token).
CLAIM_SCOPES: dict[str, str] = {
    "sub": "openid",
    "amr": "openid",
    "acr": "openid",
    "sid": "openid",
    "auth_time": "openid",
    "name": "profile",
    "email": "email",
    "email_verified": "email",
    "entity": "entidade",
    "entities": "entidade",
    "oab": "entidade",
    "password_access_until": "entidade",
    "certificate": "certificado",
    "cnpj": "certificado",
}


@dataclass(frozen=True, slots=True)
class Entity:
    code: str
    name: str
    kind: str
    uf: str


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """How the portal session logged in: kept with the session's link to a client (JSON) when a code is issued."""

    method: str  # certauth.models.LoginMethod: "certificate", "cloud" or "password"
    logged_in_at: dt.datetime
    provider: str = ""  # the PSC of a cloud certificate (``vidaas``…)
    certificate_type: str = ""  # "A3" / "A4"
    serial_hex: str = ""
    issuer: str = ""
    not_after: dt.datetime | None = None
    cnpj: str = ""
    #: Password sessions: the earliest instant password access ends for the session's entities (None: no date yet).
    password_until: dt.datetime | None = None

    @property
    def is_password(self) -> bool:
        return self.method == "password"

    def amr(self) -> list[str]:
        if self.is_password:
            return ["passwd"]
        return ["x509", f"x509_{self.provider}" if self.provider else "x509_token"]

    def acr(self) -> Assurance:
        if self.is_password:
            return Assurance.PASSWORD
        return Assurance.A4 if self.certificate_type == "A4" else Assurance.A3

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("logged_in_at", "not_after", "password_until"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SessionFacts:
        dates = {
            name: dt.datetime.fromisoformat(data[name]) if data.get(name) else None
            for name in ("logged_in_at", "not_after", "password_until")
        }
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, **dates})


@dataclass(frozen=True, slots=True)
class MemberFacts:
    cpf: str
    name: str
    email: str
    entity: Entity | None  # the one acted for (None until chosen)
    entities: Sequence[Entity] = ()
    oab: Sequence[tuple[str, str]] = field(default=())


def claims(member: MemberFacts, session: SessionFacts, *, sid: str) -> dict[str, Any]:
    """Every claim the provider may release for this session (the scopes then choose among them)."""

    def entity(e: Entity) -> dict[str, str]:
        return {"code": e.code, "name": e.name, "kind": e.kind, "uf": e.uf}

    result: dict[str, Any] = {
        "sub": member.cpf,
        "name": member.name,
        "amr": session.amr(),
        "acr": str(session.acr()),
        "auth_time": int(session.logged_in_at.timestamp()),
        "sid": sid,
        "entity": entity(member.entity) if member.entity else None,
        "entities": [entity(e) for e in member.entities],
        "oab": [{"number": number, "uf": uf} for number, uf in member.oab],
    }
    if member.email:
        result["email"] = member.email
        result["email_verified"] = False  # staff import it; the portal never confirms it
    if session.is_password:
        result["password_access_until"] = _brasilia(session.password_until)
    else:
        result["certificate"] = {
            "type": session.certificate_type,
            "serial": session.serial_hex,
            "issuer": session.issuer,
            "not_after": _brasilia(session.not_after),
        }
        if session.cnpj:
            result["cnpj"] = session.cnpj
    return result


def _brasilia(instant: dt.datetime | None) -> str | None:
    """An instant as the Portaria states them: ISO 8601 in Brasília time (with its offset)."""
    return instant.astimezone(BRASILIA).isoformat() if instant else None


def released(all_claims: Mapping[str, Any], scopes: Sequence[str]) -> dict[str, Any]:
    """The claims these scopes release (a claim no scope names is never released)."""
    return {k: v for k, v in all_claims.items() if CLAIM_SCOPES.get(k) in scopes}
