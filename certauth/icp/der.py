"""The smallest DER reader the ICP-Brasil otherName values need: one primitive string, nothing else.

SAN ``otherName`` values of ICP-Brasil certificates are an OCTET STRING in every real certificate, and a
PrintableString where allowed; UTF8String and IA5String are accepted too (``icp-brasil/README.md``).
"""

from __future__ import annotations

_STRING_TAGS = {
    0x04: "octet",  # OCTET STRING
    0x0C: "utf8",  # UTF8String
    0x13: "printable",  # PrintableString
    0x16: "ia5",  # IA5String
}

#: No ICP-Brasil otherName value is longer than ~100 characters.
MAX_VALUE_LENGTH = 1024


class DerError(ValueError):
    """The bytes are not a single DER-encoded primitive string."""


def decode_string(der: bytes) -> str:
    """Decode one DER primitive string TLV (definite length, no trailing bytes) into text.

    OCTET STRING contents are read as Latin-1 (ICP-Brasil fills them with ASCII digits and letters; Latin-1 never
    fails and keeps unexpected bytes visible to the caller's own validation).
    """
    if len(der) < 2:
        raise DerError("too short")
    tag = der[0]
    if tag not in _STRING_TAGS:
        raise DerError(f"unexpected tag 0x{tag:02x}")
    length, offset = _read_length(der, 1)
    if length > MAX_VALUE_LENGTH:
        raise DerError("value too long")
    if offset + length != len(der):
        raise DerError("length does not match the encoding")
    content = der[offset:]
    kind = _STRING_TAGS[tag]
    try:
        if kind == "utf8":
            return content.decode("utf-8")
        if kind in ("printable", "ia5"):
            return content.decode("ascii")
        return content.decode("latin-1")
    except UnicodeDecodeError as exc:
        raise DerError("bad string encoding") from exc


def _read_length(der: bytes, offset: int) -> tuple[int, int]:
    first = der[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    count = first & 0x7F
    if count == 0 or count > 2:
        raise DerError("indefinite or oversized length")
    if offset + count > len(der):
        raise DerError("truncated length")
    length = int.from_bytes(der[offset : offset + count], "big")
    if length < 0x80 or (count == 2 and length < 0x100):
        raise DerError("non-minimal length encoding")
    return length, offset + count
