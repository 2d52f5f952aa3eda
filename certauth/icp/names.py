"""Comparing X.509 names as RFC 5280 §7.1 asks: attribute by attribute, values compared case-insensitively with
insignificant whitespace removed, whatever their ASN.1 string type (real ICP-Brasil names mix PrintableString and
UTF8String for one and the same name)."""

from __future__ import annotations

import unicodedata

from cryptography import x509

from certauth.icp.numbers import mask_cpfs

NameKey = tuple[tuple[str, str], ...]


def name_key(name: x509.Name) -> NameKey:
    """A hashable form of ``name`` under which equal names (in the sense above) are equal."""
    return tuple((attribute.oid.dotted_string, _normalise(attribute.value)) for attribute in name)


def names_match(a: x509.Name, b: x509.Name) -> bool:
    return a == b or name_key(a) == name_key(b)


def _normalise(value: str | bytes) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def display_name(name: x509.Name) -> str:
    """How a person reads a certificate's subject or issuer in a sentence (an error's detail, the audit): its last
    common name, or the whole name if it has none, with every CPF masked. ICP-Brasil names carry the holder's CPF
    (``NOME DA PESSOA:12345678909``), and these sentences end up on screenshots sent to support."""
    try:
        names = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        value = names[-1].value if names else name.rfc4514_string()
    except (ValueError, TypeError):  # a hostile name cryptography cannot read
        return "(nome ilegível)"
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return mask_cpfs(text)
