"""Reading ITI's published set of ACs (no Django): ``ACcompactado.zip`` (a zip of .crt/.cer/.pem files, each DER or
PEM), a PEM bundle, or a PKCS#7 certificates-only bundle (``.p7b``/``.p7c``, DER or PEM).

A file that cannot be read as any of these raises :class:`BundleError` with a plain Portuguese message: the import
then changes nothing. A zip is read within caps (number of members, each member's size, the total) so a zip bomb
stops early instead of filling the memory.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

from certauth.icp.errors import CertificateError
from certauth.icp.trust import TrustStore, fingerprint

MAX_MEMBERS = 2_000
MAX_MEMBER_BYTES = 1024 * 1024  # an AC certificate is a few kB
MAX_TOTAL_BYTES = 64 * 1024 * 1024
_CERTIFICATE_SUFFIXES = (".crt", ".cer", ".pem", ".der", ".p7b", ".p7c")


class BundleError(Exception):
    """The bundle is unusable; nothing of it may be applied."""


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One certificate of the bundle and where it was found (the member name, for the report's lines)."""

    origin: str
    certificate: x509.Certificate


def read_bundle(data: bytes, *, name: str = "") -> list[BundleEntry]:
    """Every certificate of the bundle, in order. Raises :class:`BundleError` if the file (or any member of a zip)
    cannot be read, or if it holds no certificate."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        entries = _read_zip(data)
    else:
        entries = [BundleEntry(name or "arquivo", c) for c in _read_certificates(data, name or "arquivo")]
    if not entries:
        raise BundleError("O arquivo não contém nenhum certificado.")
    return entries


def _read_zip(data: bytes) -> list[BundleEntry]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BundleError(f"Arquivo zip corrompido: {exc}.") from None
    if len(members) > MAX_MEMBERS:
        raise BundleError(f"O zip tem {len(members)} arquivos; o limite é {MAX_MEMBERS}.")
    entries: list[BundleEntry] = []
    total = 0
    for member in members:
        if not member.filename.lower().endswith(_CERTIFICATE_SUFFIXES):
            continue
        if member.file_size > MAX_MEMBER_BYTES:
            raise BundleError(
                f"{member.filename}: {member.file_size} bytes; o limite por arquivo é {MAX_MEMBER_BYTES}."
            )
        try:
            with archive.open(member) as stream:
                content = stream.read(MAX_MEMBER_BYTES + 1)  # the declared size may lie: read no more than the cap
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise BundleError(f"Arquivo zip corrompido ({member.filename}): {exc}.") from None
        if len(content) > MAX_MEMBER_BYTES:
            raise BundleError(f"{member.filename}: maior que o limite por arquivo ({MAX_MEMBER_BYTES} bytes).")
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            raise BundleError(f"O conteúdo do zip passa de {MAX_TOTAL_BYTES} bytes.")
        entries.extend(BundleEntry(member.filename, c) for c in _read_certificates(content, member.filename))
    return entries


def _read_certificates(data: bytes, origin: str) -> list[x509.Certificate]:
    """The certificates of one file: PEM (certificates or a PKCS#7), DER certificate, or DER PKCS#7."""
    stripped = data.lstrip()
    try:
        if b"-----BEGIN " in data[:65536]:  # PEM, possibly after explanatory text (as the shipped bundle has)
            if b"-----BEGIN PKCS7-----" in stripped or b"-----BEGIN CMS-----" in stripped:
                return list(pkcs7.load_pem_pkcs7_certificates(stripped))
            return list(x509.load_pem_x509_certificates(stripped))
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            return list(pkcs7.load_der_pkcs7_certificates(data))
    except ValueError as exc:
        raise BundleError(f"{origin}: não é um certificado nem um pacote de certificados legível ({exc}).") from None


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Judged:
    """What the import rule says of one certificate of the bundle, and why (Portuguese, for the report)."""

    entry: BundleEntry
    verdict: Verdict
    reason: str = ""

    @property
    def certificate(self) -> x509.Certificate:
        return self.entry.certificate


def judge(
    entries: Sequence[BundleEntry],
    *,
    roots: Sequence[x509.Certificate],
    known: Sequence[x509.Certificate],
    now: dt.datetime,
) -> list[Judged]:
    """The import rule, certificate by certificate (each once): an AC is accepted only if a path from it to one of
    ``roots`` verifies at ``now`` (signatures, CA constraints, validity of every certificate), built from the
    bundle's other certificates and the ``known`` intermediates. A self-signed certificate (a root) is never
    accepted — roots come from the configuration only; a certificate that is not a CA's is refused; an expired AC
    is judged ``EXPIRED`` (not added)."""
    unique = list({fingerprint(e.certificate): e for e in entries}.values())
    candidates = [e.certificate for e in unique if not is_self_signed(e.certificate)]
    store = TrustStore(roots, [*known, *candidates])
    root_prints = {fingerprint(r) for r in roots}
    judged: list[Judged] = []
    for entry in unique:
        certificate = entry.certificate
        if is_self_signed(certificate):
            why = "já configurada" if fingerprint(certificate) in root_prints else "não configurada"
            judged.append(
                Judged(entry, Verdict.REFUSED, f"é uma raiz ({why}); raízes nunca vêm de um pacote, só da configuração")
            )
        elif not is_ca(certificate):
            judged.append(Judged(entry, Verdict.REFUSED, "não é certificado de AC"))
        elif certificate.not_valid_after_utc < now:
            judged.append(Judged(entry, Verdict.EXPIRED, f"venceu em {certificate.not_valid_after_utc:%d/%m/%Y}"))
        else:
            try:
                store.verify(certificate, at=now)
            except CertificateError as exc:
                judged.append(Judged(entry, Verdict.REFUSED, f"sem caminho até uma raiz configurada: {exc.detail}"))
            else:
                judged.append(Judged(entry, Verdict.ACCEPTED))
    return judged


def is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except Exception:  # noqa: BLE001 - any failure (bad signature, unsupported key) means "not a self-signed root"
        return False
    return True


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False
