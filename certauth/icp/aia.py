"""Authority Information Access (AIA) rules, without Django or the network: which ``caIssuers`` addresses a
certificate names, which of them the portal may contact, how a repository's answer is read, and the search for
the missing AC of a path (the download itself is a function the caller passes: :mod:`certauth.aia`).

ICP-Brasil ACs publish their certificate over plain HTTP (the certificate is signed: the transport adds nothing),
as DER (``.crt``/``.cer``), PEM, or a PKCS#7 bundle (``.p7b``/``.p7c``). A fetched AC is never trusted for being
fetched: it is used only if the holder's certificate then verifies up to a configured root with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

from certauth.icp.errors import CertificateError, Reason
from certauth.icp.names import display_name
from certauth.icp.trust import TrustStore, VerifiedPath, fingerprint

#: Hosts the portal may fetch an AC from, by default: ITI's repositories, and every host the shipped ICP-Brasil
#: intermediates (``certauth/data/icp-brasil/intermediates.pem``, 2026-11-22) name in their AIA ``caIssuers`` or
#: CRL distribution points — the ACs' own repositories. ``tests/certauth/test_aia_rules.py`` checks that the
#: shipped store names no host missing here.
DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = (
    # ITI (AC Raiz and its repository)
    "acraiz.icpbrasil.gov.br",
    "acraiz.gov.br",
    "repositorio.iti.gov.br",
    # The ACs' repositories
    "ccd.acsoluti.com.br",
    "ccd2.acsoluti.com.br",
    "certificados2.serpro.gov.br",
    "icp-brasil.certisign.com.br",
    "icp-brasil.outralcr.com.br",
    "icp-brasil.syngularid.com.br",
    "icp-brasil.validcertificadora.com.br",
    "icp-brasil2.validcertificadora.com.br",
    "lcr.acjus.jus.br",
    "lcr.certificados.com.br",
    "lcr1.prodesp.sp.gov.br",
    "lcr2.prodesp.sp.gov.br",
    "repositorio.acdigital.com.br",
    "repositorio2.acdigital.com.br",
    "repositorio.acsafeweb.com.br",
    "repositorio2.acsafeweb.com.br",
    "repositorio.serpro.gov.br",
    "syngularid.com.br",
    "www.certificadodigital.com.br",
    "www.digitalsigncertificadora.com.br",
    "www.receita.fazenda.gov.br",
)

#: How many ACs up from the holder's certificate the search follows (leaf's issuer, its issuer, …).
DEFAULT_MAX_DEPTH = 3


def ca_issuers_urls(certificate: x509.Certificate) -> tuple[str, ...]:
    """The certificate's AIA ``caIssuers`` URIs, in order (none if it has no readable AIA extension)."""
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(
        d.access_location.value
        for d in aia
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    )


def repository_hosts(certificates: Iterable[x509.Certificate]) -> set[str]:
    """Every host the certificates name in their AIA ``caIssuers`` or CRL distribution points."""
    hosts: set[str] = set()
    for certificate in certificates:
        urls = list(ca_issuers_urls(certificate))
        try:
            points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            urls += [
                n.value for p in points for n in p.full_name or () if isinstance(n, x509.UniformResourceIdentifier)
            ]
        except (x509.ExtensionNotFound, ValueError):
            pass
        hosts.update(h for h in (_host(u) for u in urls) if h)
    return hosts


def is_allowed(url: str, allowed_hosts: Collection[str]) -> bool:
    """http(s) to a host on the allowlist (exact name, case-insensitive; any port). No credentials in the URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() not in {"http", "https"} or not host or parts.username or parts.password:
        return False
    return host.lower().rstrip(".") in {h.lower().rstrip(".") for h in allowed_hosts}


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates in a repository's answer: DER, PEM (one or more), or PKCS#7 (DER or PEM). Raises
    ``ValueError`` if it holds none."""
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN PKCS7") or b"-----BEGIN PKCS7" in stripped[:200]:
        return list(pkcs7.load_pem_pkcs7_certificates(stripped))
    if stripped.startswith(b"-----BEGIN"):
        return list(x509.load_pem_x509_certificates(stripped))
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        certificates = list(pkcs7.load_der_pkcs7_certificates(data))
        if not certificates:
            raise ValueError("PKCS#7 sem certificados") from None
        return certificates


class FetchFailed(Exception):
    """One address could not be used (down, slow, too big, refused, unreadable); the message says why."""


@dataclass
class Completion:
    """The search's result: the path (if one was found), the fetched ACs on it, and what happened, URL by URL."""

    path: VerifiedPath | None = None
    fetched: tuple[x509.Certificate, ...] = ()
    notes: list[str] = field(default_factory=list)


def complete_path(
    leaf: x509.Certificate,
    trust: TrustStore,
    *,
    at: dt.datetime,
    fetch: Callable[[str], bytes],
    allowed_hosts: Collection[str],
    max_depth: int = DEFAULT_MAX_DEPTH,
    out_of_time: Callable[[], bool] = lambda: False,
) -> Completion:
    """Follow ``caIssuers`` from ``leaf`` (and from each fetched AC, up to ``max_depth`` levels) and return the
    first path to a trusted root that the fetched ACs complete. ``fetch(url)`` returns the body or raises
    :class:`FetchFailed`; it is called only for allowlisted URLs. Nothing fetched is trusted unless the leaf then
    verifies (signatures, constraints, dates) up to one of ``trust``'s roots."""
    result = Completion()
    fetched: dict[str, x509.Certificate] = {}
    known = {fingerprint(c) for c in (*trust.roots, *trust.intermediates)}
    level: list[x509.Certificate] = [leaf]
    seen_urls: set[str] = set()
    for _ in range(max_depth):
        next_level: list[x509.Certificate] = []
        for certificate in level:
            for url in ca_issuers_urls(certificate):
                if url in seen_urls:
                    continue
                seen_urls.add(url)
                if not is_allowed(url, allowed_hosts):
                    result.notes.append(f"{url}: endereço fora da lista permitida (não consultado)")
                    continue
                if out_of_time():
                    result.notes.append(f"{url}: tempo da busca esgotado (não consultado)")
                    return result
                try:
                    candidates = parse_certificates(fetch(url))
                except FetchFailed as exc:
                    result.notes.append(str(exc))
                    continue
                except ValueError:
                    result.notes.append(f"{url}: resposta sem certificado legível")
                    continue
                new = [c for c in candidates if _is_ca(c) and fingerprint(c) not in known]
                for candidate in new:
                    fetched.setdefault(fingerprint(candidate), candidate)
                if not new:
                    result.notes.append(f"{url}: nenhuma AC nova na resposta")
                    continue
                try:
                    path = TrustStore(trust.roots, (*trust.intermediates, *fetched.values())).verify(leaf, at=at)
                except CertificateError as exc:
                    names = ", ".join(f"“{display_name(c.subject)}”" for c in new)
                    result.notes.append(
                        f"{url}: {names} não completa a cadeia até uma raiz confiável — {exc.detail.rstrip('.')}"
                    )
                    next_level.extend(new)
                    continue
                on_path = {fingerprint(c) for c in path.certificates}
                result.path = path
                result.fetched = tuple(c for f, c in fetched.items() if f in on_path)
                return result
        if not next_level:
            break
        level = next_level
    return result


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def untrusted_with_notes(error: CertificateError, notes: list[str]) -> CertificateError:
    """The original ``CERT_UNTRUSTED`` refusal, its detail followed by what the AIA search found."""
    if not notes:
        return error
    return CertificateError(
        Reason.CERT_UNTRUSTED,
        f"{error.detail} Busca da AC pelo endereço AIA: {'; '.join(notes)}.",
        facts=error.facts,
    )
