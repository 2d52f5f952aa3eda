"""Proof of possession for a cloud login: token → certificate → signature of our challenge → verified by us.

Pure orchestration of :class:`PscClient` calls (no Django). The result is the only way the cloud login backend
accepts a certificate: a :class:`PossessionProof` says "the key of this certificate signed this login's challenge,
for the CPF the holder typed, at this PSC".
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from certauth.icp.errors import Reason
from certauth.icp.identity import extract_identity
from cloudauth.psc.challenge import LoginChallenge
from cloudauth.psc.client import CloudCertificate, PscClient
from cloudauth.psc.errors import PscError
from cloudauth.psc.signature import verify_raw_signature


@dataclass(frozen=True, slots=True)
class PossessionProof:
    certificate: x509.Certificate
    provider: str  #: the PSC's short name
    cpf: str  #: the CPF the holder typed, which the PSC's token named


def prove_possession(
    client: PscClient, *, code: str, verifier: str, redirect_uri: str, challenge: LoginChallenge
) -> PossessionProof:
    token = client.exchange(code=code, verifier=verifier, redirect_uri=redirect_uri, cpf=challenge.cpf)
    chosen = pick_certificate(client.certificates(token), challenge.cpf, provider=client.config.name)
    signature = client.sign(token, alias=chosen.alias, challenge=challenge)
    verify_raw_signature(chosen.certificate, challenge.digest, signature)
    return PossessionProof(chosen.certificate, client.config.slug, challenge.cpf)


def pick_certificate(found: list[CloudCertificate], cpf: str, *, provider: str) -> CloudCertificate:
    """The holder's own e-CPF when the account has several certificates (e-CPF and e-CNPJ, old and new); otherwise
    the first (its CPF is then checked, and refused, by the validation)."""
    if not found:
        raise PscError(Reason.CERT_ABSENT, f"{provider} não devolveu nenhum certificado para este CPF.")
    for candidate in found:
        if _claimed_cpf(candidate.certificate) == cpf:
            return candidate
    return found[0]


def _claimed_cpf(certificate: x509.Certificate) -> str:
    try:
        return extract_identity(certificate).cpf
    except Exception:  # noqa: BLE001  an unreadable certificate claims nobody (the validation will say why)
        return ""
