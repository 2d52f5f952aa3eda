"""Path building from a leaf to a trusted root, with OpenSSL's verifier (through pyOpenSSL).

Why OpenSSL and not ``cryptography``'s ``PolicyBuilder``: real ICP-Brasil chains mix string encodings between an
issuer name and its CA's subject (AC SAFEWEB CD V12 writes PrintableString where AC Safeweb v12 uses
UTF8String). RFC 5280 says such names match after normalisation; OpenSSL compares canonical encodings and builds
the path, ``cryptography`` 50's verifier does not ("candidates exhausted") and would lock out every holder of a
certificate from that AC. ``tests/certauth/test_icp_trust_real_store.py`` builds every shipped intermediate.

:meth:`TrustStore.verify` is safe to call from several threads: each call verifies in an OpenSSL store of its own
(pyOpenSSL's ``set_time`` on a shared store keeps the first time it was given, and the store's parameters are read
during verification, not when the context is created).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from OpenSSL import crypto

from certauth.icp.crl import key_id
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.names import NameKey, display_name, name_key

# OpenSSL verify error codes (include/openssl/x509_vfy.h) whose meaning we say in plain words.
_TIME_ERRORS = {9: "ainda não é válido", 10: "expirou"}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
_SIGNATURE_ERRORS = {7, 6}  # CERT_SIGNATURE_FAILURE, UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY
_NO_ISSUER = {2, 20, 21}  # UNABLE_TO_GET_ISSUER_CERT(_LOCALLY), UNABLE_TO_VERIFY_LEAF_SIGNATURE
_SELF_SIGNED = {18, 19}  # DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN
_NOT_A_CA = {24, 32, 79}  # INVALID_CA (24 before OpenSSL 3, 79 since), KEYUSAGE_NO_CERTSIGN
_PATH_LENGTH = 25  # PATH_LENGTH_EXCEEDED
_CRITICAL_EXTENSION = 34  # UNHANDLED_CRITICAL_EXTENSION


@dataclass(frozen=True, slots=True)
class VerifiedPath:
    """The path found, leaf first, root last."""

    certificates: tuple[x509.Certificate, ...]

    @property
    def issuer(self) -> x509.Certificate:
        """The CA certificate that issued the leaf (the root itself for a leaf issued by a root)."""
        return self.certificates[1]

    @property
    def root(self) -> x509.Certificate:
        return self.certificates[-1]

    def names(self) -> tuple[str, ...]:
        """Each certificate's name as a person reads it (CPFs masked: :func:`~certauth.icp.names.display_name`)."""
        return tuple(display_name(c.subject) for c in self.certificates)


class TrustStore:
    """Trusted roots plus the intermediates used to build paths (nginx forwards only the leaf)."""

    def __init__(self, roots: Sequence[x509.Certificate], intermediates: Sequence[x509.Certificate] = ()) -> None:
        if not roots:
            raise ValueError("a trust store needs at least one root")
        self.roots = tuple(_unique(roots))
        self.intermediates = tuple(c for c in _unique(intermediates) if c not in self.roots)
        self._roots = [crypto.X509.from_cryptography(root) for root in self.roots]
        # Intermediates grouped by their normalised subject name: each verification is handed only those that could
        # be on its path (the normalisation is at least as loose as OpenSSL's own name matching, so none is
        # missed), not all 171. OpenSSL still builds and checks the path.
        self._by_subject: dict[NameKey, list[tuple[crypto.X509, NameKey]]] = {}
        for certificate in self.intermediates:
            entry = (crypto.X509.from_cryptography(certificate), name_key(certificate.issuer))
            self._by_subject.setdefault(name_key(certificate.subject), []).append(entry)
        # The verified chain comes back as OpenSSL objects: map them to ours instead of re-parsing each one.
        self._known = {c.public_bytes(serialization.Encoding.DER): c for c in (*self.roots, *self.intermediates)}
        self._fingerprints = {id(c): fingerprint(c) for c in (*self.roots, *self.intermediates)}
        self._key_ids = {id(c): key_id(c) for c in (*self.roots, *self.intermediates)}

    @classmethod
    def from_pem_files(cls, roots: Iterable[str | Path], intermediates: Iterable[str | Path] = ()) -> TrustStore:
        return cls(load_pem_files(roots), load_pem_files(intermediates))

    def verify(self, leaf: x509.Certificate, *, at: dt.datetime) -> VerifiedPath:
        """Build and verify a path from ``leaf`` to a trusted root, checking signatures, CA constraints, path
        lengths and the validity of every certificate at ``at``. Raises ``CERT_UNTRUSTED`` if there is none."""
        store = crypto.X509Store()  # a few microseconds: cheaper than any sharing scheme, and nothing is shared
        for root in self._roots:
            store.add_cert(root)
        store.set_time(at.astimezone(dt.UTC).replace(tzinfo=None))
        candidates = self._candidates(name_key(leaf.issuer))
        try:
            openssl_leaf = crypto.X509.from_cryptography(leaf)
        except crypto.Error:  # OpenSSL's parser is stricter than cryptography's on some encodings
            raise CertificateError(Reason.CERT_MALFORMED, "Estrutura X.509 que o OpenSSL não aceita.") from None
        context = crypto.X509StoreContext(store, openssl_leaf, candidates)
        try:
            chain = context.get_verified_chain()
        except crypto.X509StoreContextError as exc:
            raise CertificateError(Reason.CERT_UNTRUSTED, _explain(exc)) from None
        if len(chain) < 2:
            raise CertificateError(Reason.CERT_UNTRUSTED, "O certificado apresentado é uma raiz, não o de uma pessoa.")
        return VerifiedPath((leaf, *(self._known[crypto.dump_certificate(crypto.FILETYPE_ASN1, c)] for c in chain[1:])))

    def fingerprint_of(self, certificate: x509.Certificate) -> str:
        """SHA-256 fingerprint, precomputed for the store's own certificates (those a verified path holds)."""
        return self._fingerprints.get(id(certificate)) or fingerprint(certificate)

    def key_id_of(self, certificate: x509.Certificate) -> str:
        return self._key_ids.get(id(certificate)) or key_id(certificate)

    def _candidates(self, issuer: NameKey) -> list[crypto.X509]:
        """The intermediates whose subject could be the issuer, their possible issuers, and so on up."""
        found: list[crypto.X509] = []
        seen: set[NameKey] = set()
        pending = [issuer]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            for certificate, its_issuer in self._by_subject.get(name, ()):
                found.append(certificate)
                pending.append(its_issuer)
        return found


def load_pem_files(paths: Iterable[str | Path]) -> list[x509.Certificate]:
    """All certificates in the given PEM files, in order."""
    certificates: list[x509.Certificate] = []
    for path in paths:
        certificates.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certificates


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _unique(certificates: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    return list({fingerprint(c): c for c in certificates}.values())


def _explain(exc: crypto.X509StoreContextError) -> str:
    """OpenSSL's refusal in plain Portuguese, naming the certificate it concerns (the holder's own, or an AC of the
    path by name; never the holder's name, which carries the CPF), with OpenSSL's code and words in parentheses
    for support."""
    code, depth, message = exc.errors[0], exc.errors[1], str(exc.errors[2])
    certificate = exc.certificate.to_cryptography() if exc.certificate is not None else None
    subject = display_name(certificate.subject) if certificate is not None else "?"
    issuer = display_name(certificate.issuer) if certificate is not None else "?"
    which = "O certificado" if depth == 0 else f"O certificado da autoridade certificadora “{subject}”"
    technical = f"(OpenSSL {code}: {message})" if depth == 0 else f"(OpenSSL {code}, nível {depth}: {message})"
    if code in _TIME_ERRORS and depth > 0:
        return f"{which} {_TIME_ERRORS[code]}: a cadeia até a raiz da ICP-Brasil não vale nesta data {technical}."
    if code in _SIGNATURE_ERRORS:
        return (
            f"Assinatura inválida: {which[0].lower()}{which[1:]} não traz uma assinatura válida da autoridade "
            f"certificadora “{issuer}”, que consta como emissora {technical}."
        )
    if code in _NO_ISSUER:
        return (
            f"{which} declara como emissora “{issuer}”, mas nenhuma autoridade certificadora da ICP-Brasil com esse "
            f"nome e essa chave o emitiu {technical}."
        )
    if code in _SELF_SIGNED:
        if depth == 0:
            return f"O certificado é autoassinado: não foi emitido por uma autoridade certificadora {technical}."
        return f"A cadeia termina em “{subject}”, uma raiz que não é a da ICP-Brasil {technical}."
    if code in _NOT_A_CA:
        return (
            f"“{subject}” aparece como emissor na cadeia, mas não é uma autoridade certificadora autorizada a "
            f"emitir certificados {technical}."
        )
    if code == _PATH_LENGTH:
        return f"A cadeia tem mais autoridades certificadoras intermediárias do que “{subject}” permite {technical}."
    if code == _CRITICAL_EXTENSION:
        return f"{which} traz uma extensão marcada como crítica que o portal não reconhece {technical}."
    return f"{which} não pôde ser validado até uma raiz da ICP-Brasil {technical}."
