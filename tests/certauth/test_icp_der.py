"""decode_string: one DER primitive string (the value of an ICP-Brasil SAN otherName)."""

from __future__ import annotations

import pytest

from certauth.icp.builder import der_octet_string, der_printable_string
from certauth.icp.der import MAX_VALUE_LENGTH, DerError, decode_string

PERSON_45 = "14031979" + "52601815906" + "0" * 26  # birth date, CPF, NIS and RG unavailable


def tlv(tag: int, content: bytes) -> bytes:
    """Minimal DER TLV, written independently of the builder under test."""
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + content


# --- accepted ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "kind"),
    [(0x04, "OCTET STRING"), (0x13, "PrintableString"), (0x0C, "UTF8String"), (0x16, "IA5String")],
)
def test_each_accepted_string_type_decodes_to_its_text(tag: int, kind: str) -> None:
    assert decode_string(tlv(tag, PERSON_45.encode())) == PERSON_45, kind


def test_builder_encodings_decode_back() -> None:
    assert decode_string(der_octet_string(PERSON_45)) == PERSON_45
    assert decode_string(der_printable_string("0123456SP")) == "0123456SP"


def test_empty_string_decodes_to_empty_text() -> None:
    assert decode_string(b"\x04\x00") == ""


def test_utf8_string_decodes_non_ascii_text() -> None:
    assert decode_string(tlv(0x0C, "JOSÉ AÇÃO".encode())) == "JOSÉ AÇÃO"


def test_octet_string_bytes_are_read_as_latin1_and_never_fail() -> None:
    assert decode_string(tlv(0x04, bytes([0x41, 0xC9, 0xFF]))) == "AÉÿ"


@pytest.mark.parametrize("length", [0x7F, 0x80, 0xFF, 0x100, MAX_VALUE_LENGTH])
def test_short_and_long_form_lengths_decode(length: int) -> None:
    content = b"7" * length
    der = tlv(0x04, content)
    expected_header = {0x7F: 2, 0x80: 3, 0xFF: 3, 0x100: 4, MAX_VALUE_LENGTH: 4}[length]
    assert len(der) - length == expected_header
    assert decode_string(der) == "7" * length


def test_long_form_length_example_bytes() -> None:
    # 0x81 0x80: one length octet, 128 content bytes.
    assert decode_string(b"\x04\x81\x80" + b"1" * 128) == "1" * 128
    # 0x82 0x01 0x2c: two length octets, 300 content bytes.
    assert decode_string(b"\x13\x82\x01\x2c" + b"2" * 300) == "2" * 300


# --- refused ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "der",
    [
        pytest.param(b"\x02\x01\x05", id="INTEGER"),
        pytest.param(b"\x02\x09" + (123456789012345678).to_bytes(9, "big"), id="INTEGER-big"),
        pytest.param(b"\x30\x03\x04\x01A", id="SEQUENCE"),
        pytest.param(b"\x24\x03\x04\x01A", id="constructed-OCTET-STRING"),
        pytest.param(b"\x1e\x02\x00A", id="BMPString"),
        pytest.param(b"\x14\x01A", id="TeletexString"),
        pytest.param(b"\x05\x00", id="NULL"),
        pytest.param(b"\xa0\x03\x04\x01A", id="context-tagged-wrapper"),
    ],
)
def test_wrong_tag_is_refused(der: bytes) -> None:
    with pytest.raises(DerError, match="tag"):
        decode_string(der)


def test_der_error_is_a_value_error() -> None:
    assert issubclass(DerError, ValueError)


@pytest.mark.parametrize(
    "der",
    [
        pytest.param(b"\x04\x01AB", id="one-extra-byte"),
        pytest.param(der_octet_string("ABC") + b"\x00", id="trailing-zero"),
        pytest.param(der_octet_string("ABC") + der_octet_string("DEF"), id="two-values"),
        pytest.param(b"\x04\x81\x80" + b"1" * 129, id="long-form-plus-one"),
    ],
)
def test_trailing_bytes_are_refused(der: bytes) -> None:
    with pytest.raises(DerError):
        decode_string(der)


@pytest.mark.parametrize(
    "der",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x04", id="tag-only"),
        pytest.param(b"\x04\x05ABC", id="content-short"),
        pytest.param(b"\x04\x81", id="length-octet-missing"),
        pytest.param(b"\x04\x82\x01", id="second-length-octet-missing"),
        pytest.param(b"\x04\x82\x01\x00" + b"1" * 255, id="long-form-content-short"),
    ],
)
def test_truncated_encodings_are_refused(der: bytes) -> None:
    with pytest.raises(DerError):
        decode_string(der)


def test_indefinite_length_is_refused() -> None:
    with pytest.raises(DerError, match="indefinite"):
        decode_string(b"\x04\x80ABC\x00\x00")


@pytest.mark.parametrize(
    "der",
    [
        pytest.param(b"\x04\x81\x03ABC", id="0x81-for-short-length"),
        pytest.param(b"\x04\x81\x7f" + b"1" * 0x7F, id="0x81-for-127"),
        pytest.param(b"\x04\x82\x00\x03ABC", id="0x82-for-short-length"),
        pytest.param(b"\x04\x82\x00\x80" + b"1" * 0x80, id="0x82-leading-zero"),
        pytest.param(b"\x04\x82\x00\xff" + b"1" * 0xFF, id="0x82-for-255"),
    ],
)
def test_non_minimal_length_encoding_is_refused(der: bytes) -> None:
    with pytest.raises(DerError, match="non-minimal"):
        decode_string(der)


def test_value_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(DerError, match="too long"):
        decode_string(tlv(0x04, b"1" * (MAX_VALUE_LENGTH + 1)))


def test_declared_length_over_the_limit_is_refused_even_when_truncated() -> None:
    with pytest.raises(DerError):
        decode_string(b"\x04\x82\xff\xff" + b"1" * 10)


def test_three_or_more_length_octets_are_refused() -> None:
    with pytest.raises(DerError):
        decode_string(b"\x04\x83\x01\x00\x00" + b"1" * 0x10000)


@pytest.mark.parametrize(
    "der",
    [
        pytest.param(tlv(0x13, "AÇ".encode()), id="PrintableString-non-ascii"),
        pytest.param(tlv(0x16, b"\xff"), id="IA5String-non-ascii"),
        pytest.param(tlv(0x0C, b"\xc3"), id="UTF8String-truncated-sequence"),
        pytest.param(tlv(0x0C, b"\xff\xfe"), id="UTF8String-invalid"),
    ],
)
def test_bad_string_encodings_are_refused(der: bytes) -> None:
    with pytest.raises(DerError, match="encoding"):
        decode_string(der)
