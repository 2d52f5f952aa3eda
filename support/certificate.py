"""The certificate of an attempt as the audit recorded it, read for the support desk (pure: no Django).

The audit keeps the leaf's names, serial, end of validity and accepted policy, not the chain: the chain is found
again in the trust store from the issuer's name, up to a root."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509

from certauth.icp.facts import readable_name
from certauth.icp.numbers import mask_cpfs
from certauth.icp.policy import certificate_type_name

#: How the refusal of a policy names the type (``certauth.icp.policy._not_accepted``): "O certificado é do tipo A1".
_TYPE_IN_DETAIL = re.compile(r"\bdo tipo ((?:A[1-4])(?: e A[1-4])*)\b")
_MAX_CHAIN = 8


def certificate_type(policy_oid: str, detail: str = "") -> str:
    """``A3`` from the accepted policy; for a certificate refused for its type (no policy recorded), the type the
    refusal's detail names (``A1``); "" when neither says."""
    if policy_oid:
        return certificate_type_name(policy_oid)
    found = _TYPE_IN_DETAIL.search(detail)
    return found.group(1) if found else ""


@dataclass(frozen=True, slots=True)
class ChainLink:
    name: str  #: as a person reads it (common name), CPFs masked
    distinguished_name: str  #: the full name, CPFs masked
    root: bool
    not_after: str  #: dd/mm/aaaa


def issuer_chain(issuer_dn: str, authorities: Iterable[x509.Certificate]) -> tuple[ChainLink, ...]:
    """The issuing AC and those above it, found by name among ``authorities`` (the trust store's roots and ACs).
    Stops at a self-issued certificate or at a name the store does not hold (then the chain is incomplete)."""
    by_subject: dict[str, x509.Certificate] = {}
    for certificate in authorities:
        by_subject.setdefault(certificate.subject.rfc4514_string(), certificate)
    links: list[ChainLink] = []
    name = issuer_dn
    seen: set[str] = set()
    while name in by_subject and name not in seen and len(links) < _MAX_CHAIN:
        seen.add(name)
        certificate = by_subject[name]
        issuer = certificate.issuer.rfc4514_string()
        links.append(
            ChainLink(
                mask_cpfs(readable_name(name)),
                mask_cpfs(name),
                issuer == name,
                certificate.not_valid_after_utc.strftime("%d/%m/%Y"),
            )
        )
        name = issuer
    return tuple(links)
