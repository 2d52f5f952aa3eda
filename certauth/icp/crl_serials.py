"""The serials a CRL lists, as the store indexes them (upper-case hex, no leading zeros), read straight from its DER.

Iterating a ``cryptography`` CRL makes one Python object per entry and one big integer per serial: ~1.4 s for a
million entries on a quiet machine, the largest share of an ingest once the signature is checked over the published
bytes. Walking the revokedCertificates SEQUENCE and hex-encoding each serial's content octets is ~2–3× faster. The
CRL has already been parsed (and its signature verified) by ``cryptography`` over the same bytes; anything unusual
here — a negative serial, an unexpected tag or length, a count that differs from ``len(crl)`` — falls back to
``cryptography``'s own iteration, so the result is always the same list.

No Django here.
"""

from __future__ import annotations

from cryptography import x509

from certauth.icp.crl_signature import Unsliceable, der_of, header

_TIME_TAGS = (0x17, 0x18)  # UTCTime, GeneralizedTime


def serials_hex(crl: x509.CertificateRevocationList, *, data: bytes) -> list[str]:
    """Every serial ``crl`` lists, in CRL order, formatted as ``format(serial, "X")``. ``data``: its DER or PEM."""
    try:
        serials = _walk(der_of(data))
    except (Unsliceable, IndexError):
        serials = None
    if serials is None or len(serials) != len(crl):
        return [format(entry.serial_number, "X") for entry in crl]
    return serials


def _walk(der: bytes) -> list[str] | None:
    _, body, _ = header(der, 0)  # CertificateList
    tag, position, tbs_end = header(der, body)  # tbsCertList
    if tag != 0x30:
        return None
    tag, _, end = header(der, position)
    if tag == 0x02:  # version
        position = end
    for expected in ((0x30,), (0x30,), _TIME_TAGS):  # signature, issuer, thisUpdate
        tag, _, position = header(der, position)
        if tag not in expected:
            return None
    if position < tbs_end and der[position] in _TIME_TAGS:  # nextUpdate
        _, _, position = header(der, position)
    if position >= tbs_end or der[position] != 0x30:
        return []  # no revokedCertificates (the crlExtensions [0] may follow)
    _, position, end = header(der, position)
    if end > tbs_end:
        return None
    return _entries(der, position, end)


def _entries(der: bytes, position: int, end: int) -> list[str] | None:
    serials: list[str] = []
    append = serials.append
    while position < end:
        if der[position] != 0x30:
            return None
        length = der[position + 1]
        if length < 0x80:
            start = position + 2
        elif length == 0x81:
            length, start = der[position + 2], position + 3
        elif length == 0x82:
            length, start = (der[position + 2] << 8) | der[position + 3], position + 4
        else:
            return None
        size = der[start + 1]
        if der[start] != 0x02 or size == 0 or size >= 0x80 or der[start + 2] >= 0x80:
            return None  # not an INTEGER, an unusual length, or a negative serial: cryptography decides
        append(der[start + 2 : start + 2 + size].hex().lstrip("0").upper() or "0")
        position = start + length
    return serials if position == end else None
