"""What the signed-in page shows of the claims the portal released: in Portuguese, the CPF masked as the portal
masks it, instants in Brasília time. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")

#: ``acr`` values of the portal (oidc.claims.Assurance).
ASSURANCE = {
    "urn:inss:a3:acr:a3": "Certificado ICP-Brasil A3",
    "urn:inss:a3:acr:a4": "Certificado ICP-Brasil A4",
    "urn:inss:a3:acr:senha": "Login e senha (acesso legado, até a data da entidade)",
}

#: Cloud certificate providers (PSC) by the suffix of their ``amr`` value (``x509_<psc>``).
CLOUD_PROVIDERS = {
    "vidaas": "VIDaaS",
    "birdid": "BirdID",
    "safeid": "SafeID",
    "neoid": "NeoID",
    "remoteid": "RemoteID",
}


def mask_cpf(cpf: str) -> str:
    """``***.456.789-**``, as the portal shows a CPF (certauth.icp.numbers.mask_cpf)."""
    if len(cpf) != 11 or not cpf.isdigit():
        return "***.***.***-**"
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


def method(amr: object) -> str:
    """How the person logged in at the portal, from ``amr`` (gov.br's values)."""
    values = [str(v) for v in amr] if isinstance(amr, list) else []
    if "passwd" in values:
        return "Login e senha"
    if "x509_token" in values:
        return "Certificado A3 em token/cartão"
    for value in values:
        if value.startswith("x509_"):
            provider = value.removeprefix("x509_")
            return f"Certificado em nuvem ({CLOUD_PROVIDERS.get(provider, provider)})"
    return f"Não informado ({', '.join(values) or 'sem amr'})"


def assurance(acr: object) -> str:
    return ASSURANCE.get(str(acr), f"Não informado ({acr})") if acr else "Não informado"


def brasilia(instant: dt.datetime) -> str:
    return instant.astimezone(BRASILIA).strftime("%d/%m/%Y %H:%M:%S")


def from_epoch(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return brasilia(dt.datetime.fromtimestamp(value, dt.UTC))
    return None


def from_iso(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return brasilia(instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC))


#: ``kind`` of an entity claim (the portal's EntityKind).
ENTITY_KINDS = {"oab": "Seccional da OAB", "municipio": "Município", "outra": "Outra entidade"}


def entity(value: object) -> str | None:
    """``Nome (código · tipo · UF)`` of an ``entity`` claim."""
    if not isinstance(value, Mapping) or not value.get("name"):
        return None
    kind = ENTITY_KINDS.get(str(value.get("kind")), value.get("kind"))
    details = " · ".join(str(v) for v in (value.get("code"), kind, value.get("uf")) if v)
    return f"{value['name']} ({details})" if details else str(value["name"])


@dataclass(frozen=True)
class Fact:
    id: str  #: the element's id (tests find it by id)
    label: str
    value: str
    items: Sequence[str] = ()  #: a list (the entities) instead of one value


def facts(claims: Mapping[str, Any]) -> list[Fact]:
    """The rows of the signed-in page, in reading order."""
    rows = [
        Fact("cpf", "CPF", mask_cpf(str(claims.get("sub", "")))),
        Fact("metodo", "Como entrou", method(claims.get("amr"))),
        Fact("garantia", "Nível de garantia", assurance(claims.get("acr"))),
        Fact("login-em", "Entrou no portal em", from_epoch(claims.get("auth_time")) or "Não informado"),
        Fact("entidade", "Atua pela entidade", entity(claims.get("entity")) or "Ainda não escolhida"),
    ]
    entities = [e for e in (entity(v) for v in claims.get("entities") or []) if e]
    rows.append(Fact("entidades", "Entidades em que pode atuar", "" if entities else "Nenhuma", entities))
    if claims.get("email"):
        rows.append(Fact("email", "E-mail", str(claims["email"])))
    oab = [
        f"{o.get('number')}/{o.get('uf')}"
        for o in claims.get("oab") or []
        if isinstance(o, Mapping) and o.get("number")
    ]
    if oab:
        rows.append(Fact("oab", "Inscrição na OAB", ", ".join(oab)))
    if "password_access_until" in claims:
        until = from_iso(claims.get("password_access_until"))
        rows.append(
            Fact("senha-ate", "Acesso com senha até", until or "Sem data definida ainda (a entidade não tem data)")
        )
    certificate = claims.get("certificate")
    if isinstance(certificate, Mapping) and certificate.get("serial"):
        rows.append(Fact("certificado-tipo", "Certificado", str(certificate.get("type") or "Não informado")))
        rows.append(Fact("certificado-serie", "Número de série", str(certificate["serial"])))
        if certificate.get("issuer"):
            rows.append(Fact("certificado-emissor", "Autoridade certificadora", issuer_name(certificate["issuer"])))
        if from_iso(certificate.get("not_after")):
            rows.append(Fact("certificado-validade", "Certificado válido até", str(from_iso(certificate["not_after"]))))
    if claims.get("cnpj"):
        rows.append(Fact("cnpj", "CNPJ do certificado", str(claims["cnpj"])))
    return rows


def issuer_name(issuer: object) -> str:
    """The issuing CA's common name of an RFC 4514 name (``CN=AC Teste OAB,OU=…``), or the name as it is."""
    text = str(issuer)
    for part in text.split(","):
        key, _, value = part.strip().partition("=")
        if key.upper() == "CN" and value:
            return value
    return text
