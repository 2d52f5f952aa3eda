"""The support desk in ``make run``'s demo (called by ``portal.demo.load_demo_data``): refusals to look up, with the
references a ticket's screenshot would show. The certificate facts come from the demo PKI's own certificates, so
the lookup finds their chain and their revocation today; without a demo PKI the rows keep names and CPFs only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings

from certauth.demo import DEMO_CERTIFICATES, DemoPki
from certauth.icp.facts import CertificateFacts
from certauth.icp.policy import certificate_type_name
from certauth.models import LoginAttempt, LoginMethod, Outcome


@dataclass(frozen=True)
class DemoRefusal:
    reference: str
    slug: str  #: demo certificate (or "" for a password attempt)
    code: str
    detail: str
    hours_ago: int
    cpf: str = ""
    name: str = ""
    entity: tuple[str, str] = ("", "")


#: Refusals of the demo's holders, each with its reference (try them at /suporte/consulta/).
REFUSALS = (
    DemoRefusal(
        "A1A1A-00001",
        "certificado-a1",
        "CERT_NOT_A3",
        "O certificado é do tipo A1, pela sua política de certificação; o portal aceita A3 e A4.",
        26,
    ),
    DemoRefusal("VENC1-00002", "certificado-vencido", "CERT_EXPIRED", "O certificado venceu.", 5),
    DemoRefusal("REV00-00003", "certificado-revogado", "CERT_REVOKED", "Certificado revogado pela AC emissora.", 3),
    DemoRefusal(
        "CPF00-00004",
        "cpf-nao-cadastrado",
        "MEMBER_UNKNOWN",
        "CPF ***.491.186-** não cadastrado em entidade parceira.",
        2,
    ),
    DemoRefusal(
        "SENHA-00005",
        "",
        "PASSWORD_RETIRED",
        "Acesso com senha encerrado para a entidade desde 17/05/2024.",
        1,
        cpf="12398745619",
        name="Carlos Pereira",
        entity=("OAB-SP", "OAB — Seção São Paulo"),
    ),
)


def _certificate(slug: str) -> x509.Certificate | None:
    path = DemoPki(Path(settings.DEMO_PKI_DIR)).user_dir(slug) / "certificado.pem"
    if not path.is_file():
        return None
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_demo_refusals(*, now: dt.datetime) -> int:
    """Create the demo refusals that are not there yet (audit rows are never edited); how many exist."""
    by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
    for demo in REFUSALS:
        fields: dict[str, Any] = {
            "created_at": now - dt.timedelta(hours=demo.hours_ago),
            "method": LoginMethod.PASSWORD if not demo.slug else LoginMethod.CERTIFICATE,
            "outcome": Outcome.REJECTED,
            "code": demo.code,
            "detail": demo.detail,
            "cpf": demo.cpf,
            "holder_name": demo.name,
            "organization_code": demo.entity[0],
            "organization_name": demo.entity[1],
            "ip": "198.51.100.23",
            "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) demonstração",
        }
        if demo.slug:
            spec = by_slug[demo.slug].spec
            fields.update(cpf=spec.cpf, holder_name=spec.name)
            certificate = _certificate(demo.slug)
            if certificate is not None:
                facts = CertificateFacts.of(certificate)
                fields.update(
                    cert_serial=facts.serial_hex,
                    cert_subject=facts.subject,
                    cert_issuer=facts.issuer,
                    cert_fingerprint=facts.fingerprint_sha256,
                    cert_not_after=facts.not_after,
                )
            if demo.code == "CERT_REVOKED":
                fields.update(
                    revocation_status="revoked",
                    revoked_at=now - dt.timedelta(days=10),
                    revocation_reason="keyCompromise",
                )
            if demo.code not in {"CERT_NOT_A3"}:
                fields["cert_policy"] = spec.policy_oid if certificate_type_name(spec.policy_oid) != "A1" else ""
        LoginAttempt.objects.get_or_create(reference=demo.reference, defaults=fields)
    return LoginAttempt.objects.filter(reference__in=[r.reference for r in REFUSALS]).count()
