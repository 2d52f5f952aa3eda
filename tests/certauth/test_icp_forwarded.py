"""decode_forwarded_certificate: the URL-escaped PEM that nginx forwards as ``$ssl_client_escaped_cert``."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from certauth.icp.builder import PersonSpec
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.forwarded import DEFAULT_MAX_LENGTH, decode_forwarded_certificate, load_der_certificate
from tests.pki import TestPki, escaped, pem

BEGIN = "-----BEGIN CERTIFICATE-----"
END = "-----END CERTIFICATE-----"


@pytest.fixture(scope="module")
def certificate(pki: TestPki) -> x509.Certificate:
    return pki.issue(PersonSpec("JOAO FORWARDED", "52601815906")).certificate


@pytest.fixture(scope="module")
def other_certificate(pki: TestPki) -> x509.Certificate:
    return pki.issue(PersonSpec("ANA FORWARDED", "47363361886")).certificate


def _escape(text: str) -> str:
    return quote(text, safe="")


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _pem_from_der(der: bytes, *, line: int = 64, eol: str = "\n") -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + line] for i in range(0, len(body), line)]
    return eol.join([BEGIN, *lines, END]) + eol


def _base64_body(certificate: x509.Certificate) -> str:
    return base64.b64encode(_der(certificate)).decode()


def _malformed(value: str) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        decode_forwarded_certificate(value)
    assert exc.value.reason is Reason.CERT_MALFORMED, exc.value
    return exc.value


# --- absent ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", None, "(null)", "-", "   ", " (null) ", "\t-\n"])
def test_absent_values_mean_no_certificate_was_presented(value: str | None) -> None:
    with pytest.raises(CertificateError) as exc:
        decode_forwarded_certificate(value)
    assert exc.value.reason is Reason.CERT_ABSENT


def test_absent_is_not_a_malformed_request() -> None:
    with pytest.raises(CertificateError) as exc:
        decode_forwarded_certificate("(null)")
    assert exc.value.reason.http_status == 403
    assert Reason.CERT_MALFORMED.http_status == 400


# --- the happy path and the variants proxies produce ----------------------------------------------------------


def test_escaped_pem_round_trips_to_the_same_certificate(certificate: x509.Certificate) -> None:
    decoded = decode_forwarded_certificate(escaped(certificate))
    assert decoded == certificate
    assert _der(decoded) == _der(certificate)


def _crlf(c: x509.Certificate) -> str:
    return _escape(pem(c).replace("\n", "\r\n"))


def _no_final_newline(c: x509.Certificate) -> str:
    return _escape(pem(c).rstrip("\n"))


def _surrounding_whitespace(c: x509.Certificate) -> str:
    return _escape("\n  \t" + pem(c) + "\r\n\n ")


def _only_newlines_escaped(c: x509.Certificate) -> str:
    # A proxy that escapes only what a header cannot carry: "+", "/" and "=" stay literal.
    return pem(c).replace("\n", "%0A")


def _lowercase_hex_escapes(c: x509.Certificate) -> str:
    return _escape(pem(c)).replace("%0A", "%0a").replace("%2F", "%2f").replace("%2B", "%2b")


def _body_on_one_line(c: x509.Certificate) -> str:
    return _escape(f"{BEGIN}\n{_base64_body(c)}\n{END}\n")


def _76_column_lines(c: x509.Certificate) -> str:
    return _escape(_pem_from_der(_der(c), line=76))


def _crlf_76_columns_no_final_newline(c: x509.Certificate) -> str:
    return _escape(_pem_from_der(_der(c), line=76, eol="\r\n").rstrip("\r\n"))


def _blank_line_before_end(c: x509.Certificate) -> str:
    return _escape(pem(c).replace(END, "\n" + END))


def _trailing_blanks_after_begin(c: x509.Certificate) -> str:
    return _escape(pem(c).replace(BEGIN + "\n", BEGIN + " \t\n"))


@pytest.mark.parametrize(
    "variant",
    [
        _crlf,
        _no_final_newline,
        _surrounding_whitespace,
        _only_newlines_escaped,
        _lowercase_hex_escapes,
        _body_on_one_line,
        _76_column_lines,
        _crlf_76_columns_no_final_newline,
        _blank_line_before_end,
        _trailing_blanks_after_begin,
    ],
)
def test_whitespace_and_escaping_variants_still_parse(variant, certificate: x509.Certificate) -> None:
    assert decode_forwarded_certificate(variant(certificate)) == certificate


def test_an_unescaped_pem_is_accepted_too(certificate: x509.Certificate) -> None:
    # unquote() leaves a value without escapes unchanged: a proxy forwarding raw PEM still works.
    assert decode_forwarded_certificate(pem(certificate)) == certificate


# --- size ------------------------------------------------------------------------------------------------------


def test_oversize_value_is_malformed_before_any_decoding() -> None:
    # Not a certificate at all, and with an invalid escape: the size check must come first.
    error = _malformed("%FF" * (DEFAULT_MAX_LENGTH // 3 + 1))
    assert "grande demais" in error.detail


def test_oversize_value_with_a_valid_certificate_inside_is_malformed(certificate: x509.Certificate) -> None:
    value = escaped(certificate)
    padded = value + " " * (DEFAULT_MAX_LENGTH + 1 - len(value))
    assert len(padded) == DEFAULT_MAX_LENGTH + 1
    _malformed(padded)


def test_value_of_exactly_the_maximum_length_is_accepted(certificate: x509.Certificate) -> None:
    value = escaped(certificate)
    padded = value + " " * (DEFAULT_MAX_LENGTH - len(value))
    assert decode_forwarded_certificate(padded) == certificate


def test_max_length_is_configurable(certificate: x509.Certificate) -> None:
    value = escaped(certificate)
    with pytest.raises(CertificateError) as exc:
        decode_forwarded_certificate(value, max_length=len(value) - 1)
    assert exc.value.reason is Reason.CERT_MALFORMED
    assert decode_forwarded_certificate(value, max_length=len(value)) == certificate


# --- malformed -------------------------------------------------------------------------------------------------


def test_two_certificates_in_one_value_are_malformed(certificate, other_certificate) -> None:
    _malformed(_escape(pem(certificate) + pem(other_certificate)))


def test_the_same_certificate_twice_is_malformed(certificate) -> None:
    _malformed(_escape(pem(certificate) + pem(certificate)))


@pytest.mark.parametrize("garbage", ["x", "garbage\n", "-----END CERTIFICATE-----\n", "\x00", "AAAA"])
def test_pem_with_trailing_garbage_is_malformed(certificate, garbage: str) -> None:
    _malformed(_escape(pem(certificate) + garbage))


@pytest.mark.parametrize("garbage", ["x", "garbage\n", "Certificate:\n    Data: ...\n", "AAAA\n"])
def test_garbage_before_the_begin_line_is_malformed(certificate, garbage: str) -> None:
    _malformed(_escape(garbage + pem(certificate)))


def test_base64_with_padding_in_the_middle_is_malformed(certificate) -> None:
    body = _base64_body(certificate)
    broken = body[:100] + "=" + body[101:]
    _malformed(_escape(f"{BEGIN}\n{broken}\n{END}\n"))


def test_base64_with_a_missing_character_is_malformed(certificate) -> None:
    body = _base64_body(certificate)
    broken = body[:200] + body[201:]
    _malformed(_escape(f"{BEGIN}\n{broken}\n{END}\n"))


def test_base64_with_characters_outside_the_alphabet_is_malformed(certificate) -> None:
    body = _base64_body(certificate)
    for bad in ("-", "_", "!", "*"):  # URL-safe alphabet and plain junk
        _malformed(_escape(f"{BEGIN}\n{body[:64]}{bad}{body[65:]}\n{END}\n"))


def test_valid_pem_whose_der_has_trailing_bytes_is_malformed(certificate) -> None:
    _malformed(_escape(_pem_from_der(_der(certificate) + b"\x00\x00")))


def test_valid_pem_whose_der_is_truncated_is_malformed(certificate) -> None:
    der = _der(certificate)
    _malformed(_escape(_pem_from_der(der[: len(der) - 3])))


def test_private_key_block_is_malformed(pki: TestPki) -> None:
    _malformed(_escape(pki.oab.key_pem().decode()))


def test_private_key_next_to_the_certificate_is_malformed(pki: TestPki, certificate) -> None:
    _malformed(_escape(pem(certificate) + pki.oab.key_pem().decode()))


def test_other_pem_block_types_are_malformed(certificate) -> None:
    relabelled = pem(certificate).replace("CERTIFICATE", "X509 CRL")
    _malformed(_escape(relabelled))


@pytest.mark.parametrize("escape", ["%FF", "%C3%A9", "%80", "%E2%82%AC"])
def test_non_ascii_percent_escapes_are_malformed(certificate, escape: str) -> None:
    value = escaped(certificate).replace("%0A", escape, 1)
    error = _malformed(value)
    assert "escape" in error.detail


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_value_is_malformed(certificate, keep: float) -> None:
    value = escaped(certificate)
    _malformed(value[: int(len(value) * keep)])


def test_value_cut_inside_a_percent_escape_is_malformed(certificate) -> None:
    value = escaped(certificate)
    cut = value.rindex("%0A") + 2  # "...%0" then end of value
    _malformed(value[:cut])


def test_value_with_the_end_line_missing_is_malformed(certificate) -> None:
    _malformed(_escape(pem(certificate).replace(END, "")))


def test_begin_and_end_without_a_body_are_malformed() -> None:
    _malformed(_escape(f"{BEGIN}\n{END}\n"))


def test_random_text_is_malformed() -> None:
    _malformed("hello")


def test_version_1_certificate_is_refused_as_malformed(pki: TestPki) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "V1")])
    v3 = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pki.final.key.public_key())
        .serial_number(1)
        .not_valid_before(pki.now - dt.timedelta(days=1))
        .not_valid_after(pki.now + dt.timedelta(days=1))
        .sign(pki.final.key, hashes.SHA256())
    )
    # cryptography only writes v3: patch the version INTEGER in tbsCertificate ([0] EXPLICIT { INTEGER 2 }) away.
    der = _der(v3)
    marker = bytes.fromhex("a003020102")
    assert der.count(marker) == 1
    v1_der = _reencode_without_version(der, marker)
    with pytest.raises(CertificateError) as exc:
        load_der_certificate(v1_der)
    assert exc.value.reason is Reason.CERT_MALFORMED
    assert "versão 3" in exc.value.detail


def _reencode_without_version(der: bytes, marker: bytes) -> bytes:
    """Drop the explicit version field (so the certificate is v1) and fix the two enclosing SEQUENCE lengths."""

    def tlv(tag: int, content: bytes) -> bytes:
        n = len(content)
        if n < 0x80:
            return bytes([tag, n]) + content
        size = (n.bit_length() + 7) // 8
        return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + content

    def split(data: bytes) -> tuple[bytes, bytes]:
        """(content of the first TLV, the rest)."""
        first = data[1]
        if first < 0x80:
            start, length = 2, first
        else:
            size = first & 0x7F
            start, length = 2 + size, int.from_bytes(data[2 : 2 + size], "big")
        return data[start : start + length], data[start + length :]

    outer, _ = split(der)
    tbs_content, rest = split(outer)
    assert tbs_content.startswith(marker)
    tbs = tlv(0x30, tbs_content[len(marker) :])
    return tlv(0x30, tbs + rest)
