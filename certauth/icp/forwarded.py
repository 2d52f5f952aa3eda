"""Decoding the client certificate that nginx forwards as ``$ssl_client_escaped_cert`` (URL-escaped PEM).

Strict on purpose: exactly one PEM ``CERTIFICATE`` block, base64 with no stray characters, nothing before or
after it but whitespace, DER with no trailing bytes, and a size limit checked before any work is done.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from cryptography import x509

from certauth.icp.errors import CertificateError, Reason

#: An escaped ICP-Brasil certificate is 2–4 KiB; anything much larger is not a certificate we accept.
DEFAULT_MAX_LENGTH = 16 * 1024

#: Values nginx (and other proxies) use for "no certificate".
_ABSENT_VALUES = frozenset({"", "-", "(null)"})

_BEGIN = "-----BEGIN CERTIFICATE-----"
_END = "-----END CERTIFICATE-----"


def decode_forwarded_certificate(value: str | None, *, max_length: int = DEFAULT_MAX_LENGTH) -> x509.Certificate:
    """Return the certificate in a forwarded header value, or raise.

    ``CERT_ABSENT`` when there is no value (the client sent no certificate); ``CERT_MALFORMED`` for anything that
    is not exactly one well-formed certificate.
    """
    if value is None or value.strip() in _ABSENT_VALUES:
        raise CertificateError(Reason.CERT_ABSENT, "Nenhum certificado foi apresentado.")
    if len(value) > max_length:
        raise CertificateError(Reason.CERT_MALFORMED, f"Valor encaminhado grande demais ({len(value)} caracteres).")
    try:
        pem = unquote(value, encoding="ascii", errors="strict")
    except UnicodeDecodeError:
        raise CertificateError(Reason.CERT_MALFORMED, "Valor encaminhado com escape inválido.") from None
    return load_single_pem_certificate(pem)


def load_single_pem_certificate(pem: str) -> x509.Certificate:
    """Parse exactly one PEM certificate; anything else is ``CERT_MALFORMED``."""
    text = pem.strip()
    if text.count("-----BEGIN") != 1 or text.count("-----END") != 1:
        raise CertificateError(Reason.CERT_MALFORMED, "Era esperado exatamente um certificado em formato PEM.")
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        raise CertificateError(Reason.CERT_MALFORMED, "O valor encaminhado não é um certificado PEM.")
    body = "".join(text[len(_BEGIN) : -len(_END)].split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError(Reason.CERT_MALFORMED, "Base64 inválido no certificado PEM.") from None
    return load_der_certificate(der)


def load_der_certificate(der: bytes) -> x509.Certificate:
    """Parse DER bytes; trailing bytes or undecodable structures are ``CERT_MALFORMED``."""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:
        raise CertificateError(Reason.CERT_MALFORMED, f"Estrutura X.509 inválida ({_short(exc)}).") from None
    if certificate.version is not x509.Version.v3:
        raise CertificateError(Reason.CERT_MALFORMED, "Somente certificados X.509 versão 3 são aceitos.")
    return certificate


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
