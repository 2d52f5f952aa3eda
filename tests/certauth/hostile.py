"""A corpus of hostile client certificates and forwarded header values, built at run time.

Each :class:`Case` is a named recipe with the error code (DESIGN.md, "Error codes") the portal must answer with.
Recipes build their certificates with ``cryptography`` (and :class:`~certauth.icp.builder.PkiBuilder` for the CAs)
on top of the test PKI of ``tests/pki.py``, so a case that must reach a late check (policy, key usage, identity)
carries a signature the trusted ACs really made, and a case about the path carries a forged one.

When the portal answers a case with another code (or crashes), ``Case.known_wrong`` says what it does today; the
tests then expect the failure (``xfail(strict=True)``) so that a fix shows up as an unexpected pass.

Importable without Django (the property tests reuse the DER helpers and :class:`Forge`). The list of cases and
what the portal answers for each: ``pytest tests/certauth/test_hostile_corpus.py -v -rxX``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from certauth.icp.builder import A3_POLICY, Issued, PkiBuilder, der_octet_string, der_printable_string
from certauth.icp.errors import Reason
from certauth.icp.forwarded import DEFAULT_MAX_LENGTH
from certauth.icp.identity import OID
from tests.pki import TestPki, escaped, pem

DAY = dt.timedelta(days=1)
YEAR = 365 * DAY

#: The holder every hostile leaf imitates (the member the login tests create): a lawyer with a valid A3.
NAME = "MARIA DA SILVA"
CPF = "52601815906"
OAB = "0123456SP"
MEMBER_OAB = "123456SP"
BIRTH = "14031979"
OTHER_CPF = "47363361886"  #: valid check digits, nobody's member
THIRD_CPF = "08301661305"

A1_POLICY = "2.16.76.1.2.1.28"
ANY_POLICY = "2.5.29.32.0"
PLACEHOLDER_EXTENSION = x509.ObjectIdentifier("2.5.29.99")  #: stands in for a duplicate (renamed after building)
PRIVATE_EXTENSION = x509.ObjectIdentifier("1.3.6.1.4.1.99999.7")

SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
SHA1_WITH_RSA = bytes.fromhex("06092a864886f70d010105")
MD5_WITH_RSA = bytes.fromhex("06092a864886f70d010104")


def person_field(cpf: str, birth: str = BIRTH) -> str:
    """The 2.16.76.1.3.1 layout: birth date, CPF, NIS, RG, RG issuer."""
    return f"{birth}{cpf}{'0' * 11}000000012345678SSPDF"


# --- DER surgery ------------------------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element (single-byte tag, definite minimal length)."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def read_tlv(der: bytes, offset: int = 0) -> tuple[int, int, int]:
    """``(tag, content start, element end)`` of the element at ``offset`` (DER as produced by our builders)."""
    tag, size, start = der[offset], der[offset + 1], offset + 2
    if size & 0x80:
        count = size & 0x7F
        size, start = int.from_bytes(der[start : start + count], "big"), start + count
    return tag, start, start + size


def children(der: bytes) -> list[bytes]:
    """The elements inside the constructed element ``der``."""
    _, start, end = read_tlv(der)
    found, offset = [], start
    while offset < end:
        _, _, element_end = read_tlv(der, offset)
        found.append(der[offset:element_end])
        offset = element_end
    return found


def der_of(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def sign_bytes(key: object, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm))
    raise TypeError(f"cannot sign with {type(key).__name__}")


TbsEdit = Callable[[list[bytes]], list[bytes]]


def resign(
    certificate: x509.Certificate,
    key: object,
    edit: TbsEdit = lambda fields: fields,
    *,
    algorithm: hashes.HashAlgorithm | None = None,
    algorithm_oid: bytes | None = None,
) -> bytes:
    """Edit the TBSCertificate's top-level fields and sign it again with ``key``.

    Fields of a v3 TBS: 0 version, 1 serial, 2 signature algorithm, 3 issuer, 4 validity, 5 subject, 6 public key,
    then the extensions ``[3]`` last. ``algorithm_oid`` replaces the sha256WithRSAEncryption OID (inside and
    outside the TBS) for signatures cryptography's builder refuses to make (SHA-1, MD5).
    """
    tbs, signature_algorithm, _ = children(der_of(certificate))
    fields = edit(children(tbs))
    if algorithm_oid is not None:
        fields[2] = fields[2].replace(SHA256_WITH_RSA, algorithm_oid)
        signature_algorithm = signature_algorithm.replace(SHA256_WITH_RSA, algorithm_oid)
    new_tbs = tlv(0x30, b"".join(fields))
    signature = sign_bytes(key, new_tbs, algorithm or hashes.SHA256())
    return tlv(0x30, new_tbs + signature_algorithm + tlv(0x03, b"\x00" + signature))


def replace_in_tbs(index: int, old: bytes, new: bytes) -> TbsEdit:
    def edit(fields: list[bytes]) -> list[bytes]:
        assert old in fields[index], f"{old!r} not in TBS field {index}"
        fields = list(fields)
        fields[index] = fields[index].replace(old, new)
        return fields

    return edit


def set_tbs_field(index: int, value: bytes) -> TbsEdit:
    def edit(fields: list[bytes]) -> list[bytes]:
        fields = list(fields)
        fields[index] = value
        return fields

    return edit


def rename_extension(old_oid: bytes, new_oid: bytes) -> TbsEdit:
    """Give the extension whose encoded OID is ``old_oid`` the OID ``new_oid`` (lengths re-encoded)."""

    def edit(fields: list[bytes]) -> list[bytes]:
        (extensions,) = children(fields[-1])  # [3] EXPLICIT SEQUENCE OF Extension
        renamed = []
        for extension in children(extensions):
            parts = children(extension)
            if parts[0] == old_oid:
                parts[0] = new_oid
            renamed.append(tlv(0x30, b"".join(parts)))
        return [*fields[:-1], tlv(0xA3, tlv(0x30, b"".join(renamed)))]

    return edit


def swap_validity(fields: list[bytes]) -> list[bytes]:
    not_before, not_after = children(fields[4])
    fields = list(fields)
    fields[4] = tlv(0x30, not_after + not_before)
    return fields


def oid_tlv(dotted: str) -> bytes:
    """The DER encoding of an OBJECT IDENTIFIER."""
    arcs = [int(arc) for arc in dotted.split(".")]
    content = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        content += bytes(reversed(chunk))
    return tlv(0x06, bytes(content))


def other_name_raw(oid_der: bytes, value: bytes) -> bytes:
    """A GeneralName otherName ``[0] { type-id, [0] EXPLICIT value }`` with ``value`` copied byte for byte."""
    return tlv(0xA0, oid_der + tlv(0xA0, value))


PERSON_OID_DER = oid_tlv(OID.PERSON)


# --- the forge --------------------------------------------------------------------------------------------------


def leaf_key_usage(*, digital_signature: bool = True, key_cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=True,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


CA_KEY_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
CA_CONSTRAINTS = x509.BasicConstraints(ca=True, path_length=0)
CRL_ONLY_KEY_USAGE = x509.KeyUsage(False, False, False, False, False, False, True, False, False)

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dsa.DSAPublicKey


@dataclass(frozen=True)
class Leaf:
    """Everything a hostile leaf may change. The defaults make a valid A3 e-CPF of the member (old profile)."""

    cn: str | None = f"{NAME}:{CPF}"
    #: Whole subject, replacing the default ``C, O, OU…, CN`` (``cn`` is ignored then).
    subject: tuple[x509.NameAttribute, ...] | None = None
    other_names: tuple[tuple[str, bytes], ...] = (
        (OID.PERSON, der_octet_string(person_field(CPF))),
        (OID.OAB, der_printable_string(OAB)),
    )
    san_extra: tuple[x509.GeneralName, ...] = ()
    policies: tuple[str, ...] | None = (A3_POLICY,)
    policy_qualifiers: tuple[str | x509.UserNotice, ...] | None = None
    key_usage: x509.KeyUsage | None = field(default_factory=leaf_key_usage)
    eku: tuple[x509.ObjectIdentifier, ...] | None = (
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    )
    eku_critical: bool = False
    basic_constraints: x509.BasicConstraints | None = x509.BasicConstraints(ca=False, path_length=None)
    extra: tuple[tuple[x509.ExtensionType, bool], ...] = ()
    valid_from: dt.timedelta = -DAY
    valid_for: dt.timedelta = 3 * YEAR
    public_key: PublicKey | None = None
    serial: int | None = None

    def but(self, **changes: object) -> Leaf:
        return replace(self, **changes)  # type: ignore[arg-type]


VALID = Leaf()


@dataclass
class Forge:
    """Makes hostile certificates around a :class:`TestPki` (same ``now``, its ACs sign where a case needs it)."""

    pki: TestPki
    builder: PkiBuilder = field(init=False)
    _keys: dict[str, object] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.builder = PkiBuilder(now=self.pki.now, shared_leaf_key=True)

    @property
    def now(self) -> dt.datetime:
        return self.pki.now

    def key(self, label: str, size: int = 2048) -> rsa.RSAPrivateKey:
        """A fresh RSA key per label, kept for the session (key generation is the slow part)."""
        key = self._keys.get(f"{label}/{size}")
        if key is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=size)
            self._keys[f"{label}/{size}"] = key
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def dsa_key(self) -> dsa.DSAPrivateKey:
        key = self._keys.get("dsa/1024")
        if key is None:
            key = self._keys["dsa/1024"] = dsa.generate_private_key(1024)  # noqa: S505  (the weak key is the point)
        assert isinstance(key, dsa.DSAPrivateKey)
        return key

    @property
    def leaf_key(self) -> rsa.RSAPrivateKey:
        return self.key("leaf")

    # -- CAs --

    def fake_root(self, common_name: str, label: str) -> Issued:
        return self.builder.root(common_name, key=self.key(label))

    def intermediate(self, parent: Issued, common_name: str, label: str, **options: object) -> Issued:
        return self.builder.intermediate(parent, common_name, key=self.key(label), **options)  # type: ignore[arg-type]

    def odd_ca(
        self,
        parent: Issued,
        common_name: str,
        label: str,
        *,
        basic_constraints: x509.BasicConstraints | None = CA_CONSTRAINTS,
        key_usage: x509.KeyUsage | None = CA_KEY_USAGE,
        extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
        key: rsa.RSAPrivateKey | None = None,
    ) -> Issued:
        """A CA certificate with the constraints a case breaks (built by hand: the builder makes only good ones)."""
        key = key or self.key(label)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, parent.common_name),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(parent.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - 30 * DAY)
            .not_valid_after(self.now + 5 * YEAR)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()), critical=False)
        )
        if basic_constraints is not None:
            builder = builder.add_extension(basic_constraints, critical=True)
        if key_usage is not None:
            builder = builder.add_extension(key_usage, critical=True)
        for extension, critical in extra:
            builder = builder.add_extension(extension, critical=critical)
        return Issued(builder.sign(parent.key, hashes.SHA256()), key)

    # -- leaves --

    def leaf(
        self,
        spec: Leaf = VALID,
        issuer: Issued | None = None,
        *,
        signer: object | None = None,
        issuer_name: x509.Name | None = None,
        aki_key: PublicKey | None = None,
        algorithm: hashes.HashAlgorithm | None = None,
    ) -> x509.Certificate:
        """Issue ``spec`` under ``issuer`` (AC Teste OAB by default), signed by ``signer`` (the issuer's key)."""
        issuer = issuer or self.pki.oab
        signing_key = signer if signer is not None else issuer.key
        public_key = spec.public_key or self.leaf_key.public_key()
        if spec.subject is not None:
            subject = x509.Name(list(spec.subject))
        else:
            attributes = [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, issuer.common_name),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Presencial"),
            ]
            if spec.cn is not None:
                attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.cn))
            subject = x509.Name(attributes)
        not_before = self.now + spec.valid_from
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name or issuer.certificate.subject)
            .public_key(public_key)
            .serial_number(spec.serial or x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + spec.valid_for)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key or issuer.key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if spec.basic_constraints is not None:
            builder = builder.add_extension(spec.basic_constraints, critical=True)
        if spec.key_usage is not None:
            builder = builder.add_extension(spec.key_usage, critical=True)
        if spec.policies is not None:
            qualifiers = list(spec.policy_qualifiers) if spec.policy_qualifiers else None
            builder = builder.add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(oid), qualifiers) for oid in spec.policies]
                ),
                critical=False,
            )
        if spec.eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(spec.eku)), critical=spec.eku_critical)
        san: list[x509.GeneralName] = [
            x509.OtherName(x509.ObjectIdentifier(oid), value) for oid, value in spec.other_names
        ]
        san += spec.san_extra
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        for extension, critical in spec.extra:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signing_key, algorithm or hashes.SHA256())  # type: ignore[arg-type]

    def valid_leaf(self) -> x509.Certificate:
        """The member's own, valid certificate (the control every hostile case deviates from)."""
        return self.leaf()


# --- the corpus -------------------------------------------------------------------------------------------------


class Stage(StrEnum):
    """Where the portal must refuse the case."""

    PROXY = "proxy"  #: the request did not come from nginx
    HEADER = "header"  #: the forwarded value itself (decode_forwarded_certificate)
    CERTIFICATE = "certificate"  #: CertificateValidator.validate
    MEMBER = "member"  #: a valid certificate that must not log the member in


@dataclass(frozen=True)
class Sample:
    """What nginx would forward for one case, and what the trust store holds besides the test PKI."""

    header: str
    pool: tuple[x509.Certificate, ...] = ()  #: extra intermediates offered for path building
    request_headers: dict[str, str] = field(default_factory=dict)  #: WSGI names, overriding the proxy client's

    @classmethod
    def of(cls, certificate: x509.Certificate | bytes, *pool: Issued | x509.Certificate) -> Sample:
        """The URL-escaped PEM of ``certificate`` (a certificate or raw DER bytes), as nginx forwards it."""
        der = certificate if isinstance(certificate, bytes) else der_of(certificate)
        return cls(escaped_der(der), tuple(p.certificate if isinstance(p, Issued) else p for p in pool))


def pem_of_der(der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"]) + "\n"


def escaped_der(der: bytes) -> str:
    return quote(pem_of_der(der), safe="")


@dataclass(frozen=True)
class Case:
    name: str
    reason: Reason
    stage: Stage
    build: Callable[[Forge], Sample]
    why: str
    #: What the portal does instead today (the tests then expect the failure, strictly).
    known_wrong: str | None = None
    #: ``known_wrong`` concerns the login view only: the pure core already answers this case correctly.
    view_only: bool = False
    #: ``known_wrong`` concerns the pure core only: the login view already answers this case correctly.
    pure_only: bool = False


CASES: dict[str, Case] = {}


def case(
    name: str,
    reason: Reason,
    why: str,
    *,
    stage: Stage = Stage.CERTIFICATE,
    known_wrong: str | None = None,
    view_only: bool = False,
) -> Callable[[Callable[[Forge], Sample]], Callable[[Forge], Sample]]:
    def register(build: Callable[[Forge], Sample]) -> Callable[[Forge], Sample]:
        assert name not in CASES, name
        CASES[name] = Case(name, reason, stage, build, why, known_wrong, view_only)
        return build

    return register


def signed_by_oab(spec: Leaf) -> Callable[[Forge], Sample]:
    """A leaf of AC Teste OAB: a real signature, so only ``spec``'s deviation can refuse it."""
    return lambda forge: Sample.of(forge.leaf(spec))


def register_leaf(name: str, reason: Reason, why: str, spec: Leaf, *, known_wrong: str | None = None) -> None:
    case(name, reason, why, known_wrong=known_wrong)(signed_by_oab(spec))


# -- the proxy boundary --

case(
    "proxy-secret-missing",
    Reason.PROXY_UNTRUSTED,
    "a valid certificate header without nginx's secret",
    stage=Stage.PROXY,
)(lambda forge: replace(Sample.of(forge.valid_leaf()), request_headers={"HTTP_X_PROXY_SECRET": ""}))
case(
    "proxy-secret-wrong", Reason.PROXY_UNTRUSTED, "a valid certificate header with a guessed secret", stage=Stage.PROXY
)(lambda forge: replace(Sample.of(forge.valid_leaf()), request_headers={"HTTP_X_PROXY_SECRET": "test-proxy-secret"}))


# -- the forwarded value --


def _valid_pem(forge: Forge) -> str:
    return pem(forge.valid_leaf())


case("header-null", Reason.CERT_ABSENT, "nginx's value for no certificate", stage=Stage.HEADER)(
    lambda forge: Sample("(null)")
)
case("header-1-mb", Reason.CERT_MALFORMED, "a 1 MB header (escaped PEM and padding)", stage=Stage.HEADER)(
    lambda forge: Sample(quote(_valid_pem(forge), safe="") + "A" * (1024 * 1024))
)


@case(
    "header-one-over-limit",
    Reason.CERT_MALFORMED,
    "a valid escaped PEM padded with spaces to limit + 1",
    stage=Stage.HEADER,
)
def _one_over_limit(forge: Forge) -> Sample:
    value = escaped(forge.valid_leaf())
    return Sample(value + " " * (DEFAULT_MAX_LENGTH + 1 - len(value)))


case("header-escape-zz", Reason.CERT_MALFORMED, "an invalid escape %ZZ inside the base64", stage=Stage.HEADER)(
    lambda forge: Sample(escaped(forge.valid_leaf()).replace("%0A", "%ZZ", 2))
)
case("header-escape-truncated", Reason.CERT_MALFORMED, "a truncated escape %4 at the end", stage=Stage.HEADER)(
    lambda forge: Sample(escaped(forge.valid_leaf()) + "%4")
)
case("header-escape-truncated-mid", Reason.CERT_MALFORMED, "a truncated escape %4 in the body", stage=Stage.HEADER)(
    lambda forge: Sample(escaped(forge.valid_leaf()).replace("%0A", "%4", 1))
)
case("header-escape-non-ascii", Reason.CERT_MALFORMED, "an escaped UTF-8 byte (%C3%A9) in the PEM", stage=Stage.HEADER)(
    lambda forge: Sample(escaped(forge.valid_leaf()).replace("%0A", "%C3%A9", 1))
)
case("header-escape-nul", Reason.CERT_MALFORMED, "an escaped NUL inside the base64", stage=Stage.HEADER)(
    lambda forge: Sample(escaped(forge.valid_leaf()).replace("%0A", "%00", 3))
)
case("header-double-escaped", Reason.CERT_MALFORMED, "the PEM escaped twice", stage=Stage.HEADER)(
    lambda forge: Sample(quote(escaped(forge.valid_leaf()), safe=""))
)
case("pem-trailing-garbage", Reason.CERT_MALFORMED, "text after END CERTIFICATE", stage=Stage.HEADER)(
    lambda forge: Sample(quote(_valid_pem(forge) + "GARBAGE\n", safe=""))
)
case("pem-leading-garbage", Reason.CERT_MALFORMED, "text before BEGIN CERTIFICATE", stage=Stage.HEADER)(
    lambda forge: Sample(quote("subject=CN=x\n" + _valid_pem(forge), safe=""))
)
case("pem-two-certificates", Reason.CERT_MALFORMED, "leaf and issuer in one header", stage=Stage.HEADER)(
    lambda forge: Sample(quote(_valid_pem(forge) + pem(forge.pki.oab.certificate), safe=""))
)
case("der-trailing-bytes", Reason.CERT_MALFORMED, "DER with bytes after the certificate", stage=Stage.HEADER)(
    lambda forge: Sample(escaped_der(der_of(forge.valid_leaf()) + b"\x00\x00"))
)
case("der-truncated", Reason.CERT_MALFORMED, "DER cut short by 10 bytes", stage=Stage.HEADER)(
    lambda forge: Sample(escaped_der(der_of(forge.valid_leaf())[:-10]))
)
case("pem-private-key", Reason.CERT_MALFORMED, "a private key instead of a certificate", stage=Stage.HEADER)(
    lambda forge: Sample(
        quote(
            forge.leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            safe="",
        )
    )
)
case("pem-csr", Reason.CERT_MALFORMED, "a certificate request", stage=Stage.HEADER)(
    lambda forge: Sample(
        quote(
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{NAME}:{CPF}")]))
            .sign(forge.leaf_key, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
            .decode(),
            safe="",
        )
    )
)
case("der-v1-certificate", Reason.CERT_MALFORMED, "an X.509 v1 certificate (no extensions)", stage=Stage.HEADER)(
    lambda forge: Sample.of(
        resign(forge.valid_leaf(), forge.pki.oab.key, lambda fields: [f for f in fields[1:] if f[0] != 0xA3])
    )
)
case(
    "extension-200-kb", Reason.CERT_MALFORMED, "a 200 kB private extension (header over the limit)", stage=Stage.HEADER
)(signed_by_oab(VALID.but(extra=((x509.UnrecognizedExtension(PRIVATE_EXTENSION, tlv(0x04, b"A" * 200_000)), False),))))


# -- signatures and the path --


@case("tampered-tbs-cpf-swapped", Reason.CERT_UNTRUSTED, "the CPF edited in CN and otherName after signing")
def _tampered_tbs(forge: Forge) -> Sample:
    der = der_of(forge.valid_leaf())
    assert der.count(CPF.encode()) == 2
    return Sample.of(der.replace(CPF.encode(), OTHER_CPF.encode()))


@case("tampered-signature", Reason.CERT_UNTRUSTED, "one bit of the signature flipped")
def _tampered_signature(forge: Forge) -> Sample:
    der = bytearray(der_of(forge.valid_leaf()))
    der[-1] ^= 0x01
    return Sample.of(bytes(der))


case("impostor-ac-same-name", Reason.CERT_UNTRUSTED, "issued by a self-made AC named exactly like AC Teste OAB")(
    lambda forge: Sample.of(forge.leaf(issuer=forge.fake_root("AC Teste OAB", "impostor-oab")))
)


@case("impostor-ac-in-pool", Reason.CERT_UNTRUSTED, "AC Teste OAB's name, another key, offered for path building")
def _impostor_in_pool(forge: Forge) -> Sample:
    # Same subject as the real AC (the fake root below carries AC Teste Nivel 1's name), different key.
    fake_level1 = forge.fake_root("AC Teste Nivel 1", "impostor-level1")
    impostor = forge.intermediate(fake_level1, "AC Teste OAB", "impostor-oab")
    assert impostor.certificate.subject == forge.pki.oab.certificate.subject
    return Sample.of(forge.leaf(issuer=impostor), impostor, fake_level1)


case("wrong-key-under-ac-name", Reason.CERT_UNTRUSTED, "names AC Teste OAB as issuer, signed by another key")(
    lambda forge: Sample.of(
        forge.leaf(signer=forge.key("stranger-signer"), aki_key=forge.key("stranger-signer").public_key())
    )
)
case(
    "wrong-key-with-ac-key-id", Reason.CERT_UNTRUSTED, "AC Teste OAB's name and key identifier, another key's signature"
)(lambda forge: Sample.of(forge.leaf(signer=forge.key("stranger-signer"))))
case("real-signature-wrong-key-id", Reason.CERT_UNTRUSTED, "signed by AC Teste OAB, authority key id of another key")(
    lambda forge: Sample.of(forge.leaf(aki_key=forge.key("stranger-signer").public_key()))
)
case("fake-root-same-dn", Reason.CERT_UNTRUSTED, "issued by a self-signed root with the trusted root's DN")(
    lambda forge: Sample.of(forge.leaf(issuer=forge.fake_root("AC Raiz Teste A3", "fake-root")))
)
case("fake-root-itself", Reason.CERT_UNTRUSTED, "the fake root (trusted root's DN, other key) presented")(
    lambda forge: Sample.of(forge.fake_root("AC Raiz Teste A3", "fake-root").certificate)
)


@case("fake-chain-with-real-names", Reason.CERT_UNTRUSTED, "fake root → fake Nivel 1 → fake OAB, all real names")
def _fake_chain(forge: Forge) -> Sample:
    root = forge.fake_root("AC Raiz Teste A3", "fake-root")
    level1 = forge.intermediate(root, "AC Teste Nivel 1", "impostor-level1", path_length=1)
    oab = forge.intermediate(level1, "AC Teste OAB", "impostor-oab")
    return Sample.of(forge.leaf(issuer=oab), oab, level1, root)


case("stranger-pki", Reason.CERT_UNTRUSTED, "a well-formed chain to a root nobody trusts")(
    lambda forge: Sample.of(forge.leaf(issuer=forge.pki.stranger), forge.pki.stranger)
)


@case("self-signed-leaf", Reason.CERT_UNTRUSTED, "a self-signed e-CPF with A3 policy and CPF")
def _self_signed(forge: Forge) -> Sample:
    subject = tuple(forge.valid_leaf().subject)
    me = Issued(forge.leaf(VALID.but(subject=subject)), forge.leaf_key)  # only its subject and key are used
    return Sample.of(forge.leaf(VALID.but(subject=subject), issuer=me))


@case(
    "self-signed-as-the-ac", Reason.CERT_UNTRUSTED, "a self-signed e-CPF whose subject and issuer are AC Teste OAB's DN"
)
def _self_signed_as_ac(forge: Forge) -> Sample:
    key = forge.key("selfish")
    spec = VALID.but(subject=tuple(forge.pki.oab.certificate.subject), public_key=key.public_key())
    return Sample.of(forge.leaf(spec, signer=key, aki_key=key.public_key()))


@case("issued-by-end-entity", Reason.CERT_UNTRUSTED, "issued by another e-CPF (a leaf used as a CA), in the pool")
def _issued_by_leaf(forge: Forge) -> Sample:
    key = forge.key("leaf-as-ca")
    fake_ac = Issued(forge.leaf(VALID.but(cn=f"ADVOGADA EMISSORA:{THIRD_CPF}", public_key=key.public_key())), key)
    return Sample.of(forge.leaf(issuer=fake_ac), fake_ac)


@case("issued-by-end-entity-signing-usage", Reason.CERT_UNTRUSTED, "issuer e-CPF claims keyCertSign but CA=false")
def _issued_by_leaf_with_cert_sign(forge: Forge) -> Sample:
    key = forge.key("leaf-as-ca")
    spec = VALID.but(cn=f"ADVOGADA EMISSORA:{THIRD_CPF}", public_key=key.public_key())
    fake_ac = Issued(forge.leaf(spec.but(key_usage=leaf_key_usage(key_cert_sign=True))), key)
    return Sample.of(forge.leaf(issuer=fake_ac), fake_ac)


@case("issued-by-ca-without-basic-constraints", Reason.CERT_UNTRUSTED, "issuing AC has no basicConstraints")
def _ca_without_bc(forge: Forge) -> Sample:
    ca = forge.odd_ca(forge.pki.level1, "AC Sem Restricoes", "odd-ca", basic_constraints=None)
    return Sample.of(forge.leaf(issuer=ca), ca)


@case("issued-by-ca-without-cert-sign", Reason.CERT_UNTRUSTED, "issuing AC lacks keyCertSign in its key usage")
def _ca_without_cert_sign(forge: Forge) -> Sample:
    ca = forge.odd_ca(forge.pki.level1, "AC Sem Assinatura", "odd-ca", key_usage=CRL_ONLY_KEY_USAGE)
    return Sample.of(forge.leaf(issuer=ca), ca)


@case("path-length-under-leaf-only-ac", Reason.CERT_UNTRUSTED, "AC Teste OAB (pathlen 0) issued another AC")
def _path_length_oab(forge: Forge) -> Sample:
    sub = forge.intermediate(forge.pki.oab, "AC Sub OAB", "sub-ca")
    return Sample.of(forge.leaf(issuer=sub), sub)


@case("path-length-two-below-level1", Reason.CERT_UNTRUSTED, "Nivel 1 (pathlen 1) → AC → AC → leaf")
def _path_length_level1(forge: Forge) -> Sample:
    first = forge.intermediate(forge.pki.level1, "AC Intermediaria", "sub-ca", path_length=1)
    second = forge.intermediate(first, "AC Sub Intermediaria", "sub-sub-ca")
    return Sample.of(forge.leaf(issuer=second), second, first)


@case("expired-intermediate", Reason.CERT_UNTRUSTED, "the issuing AC expired (in the pool)")
def _expired_intermediate(forge: Forge) -> Sample:
    expired = forge.intermediate(forge.pki.level1, "AC Teste Vencida", "old-ca", valid_from=-20 * YEAR, years=1)
    return Sample.of(forge.leaf(issuer=expired), expired)


@case("not-yet-valid-intermediate", Reason.CERT_UNTRUSTED, "the issuing AC is valid only from next year")
def _future_intermediate(forge: Forge) -> Sample:
    future = forge.intermediate(forge.pki.level1, "AC Teste Futura", "future-ca", valid_from=YEAR)
    return Sample.of(forge.leaf(issuer=future), future)


register_leaf(
    "unknown-critical-extension",
    Reason.CERT_UNTRUSTED,
    "a private critical extension in the leaf (RFC 5280: must be rejected)",
    VALID.but(extra=((x509.UnrecognizedExtension(PRIVATE_EXTENSION, b"\x05\x00"), True),)),
)


@case("unknown-critical-extension-in-ac", Reason.CERT_UNTRUSTED, "a private critical extension in the issuing AC")
def _critical_in_ca(forge: Forge) -> Sample:
    ca = forge.odd_ca(
        forge.pki.level1,
        "AC Extensao Critica",
        "odd-ca",
        extra=((x509.UnrecognizedExtension(PRIVATE_EXTENSION, b"\x05\x00"), True),),
    )
    return Sample.of(forge.leaf(issuer=ca), ca)


@case("issuer-dn-homoglyph", Reason.CERT_UNTRUSTED, "issuer written 'AC Teste ОAB' (Cyrillic О), real AC's signature")
def _issuer_homoglyph(forge: Forge) -> Sample:
    oab = forge.pki.oab.certificate.subject
    look_alike = x509.Name(
        [
            x509.NameAttribute(a.oid, a.value.replace("OAB", "\u041eAB"))  # type: ignore[union-attr]
            if a.oid == NameOID.COMMON_NAME
            else a
            for a in oab
        ]
    )
    return Sample.of(forge.leaf(issuer_name=look_alike))


# -- weak cryptography (ICP-Brasil DOC-ICP-01.01: RSA 2048+ and SHA-256+) --

WEAK_CRYPTO = (
    "accepted and logs the member in (302): TrustStore verifies with OpenSSL's default auth level (none), "
    "so no key size or signature hash is refused"
)

case("rsa-1024-leaf-key", Reason.CERT_UNTRUSTED, "a 1024-bit RSA leaf key", known_wrong=WEAK_CRYPTO)(
    lambda forge: Sample.of(forge.leaf(VALID.but(public_key=forge.key("weak", 1024).public_key())))
)


@case(
    "rsa-1024-intermediate",
    Reason.CERT_UNTRUSTED,
    "the issuing AC has a 1024-bit RSA key",
    known_wrong=(
        "the path through the 1024-bit AC is accepted (the pure core validates the leaf); the login view refuses it "
        "only with CERT_REVOCATION_UNKNOWN because no CRL of that AC is held — with one, the member logs in"
    ),
)
def _weak_ca(forge: Forge) -> Sample:
    ca = forge.odd_ca(forge.pki.level1, "AC Chave Fraca", "weak-ca", key=forge.key("weak", 1024))
    return Sample.of(forge.leaf(issuer=ca), ca)


case("dsa-1024-leaf-key", Reason.CERT_UNTRUSTED, "a 1024-bit DSA leaf key", known_wrong=WEAK_CRYPTO)(
    lambda forge: Sample.of(forge.leaf(VALID.but(public_key=forge.dsa_key().public_key())))
)
case("sha1-signature", Reason.CERT_UNTRUSTED, "signed by AC Teste OAB with SHA-1", known_wrong=WEAK_CRYPTO)(
    lambda forge: Sample.of(
        resign(forge.valid_leaf(), forge.pki.oab.key, algorithm=hashes.SHA1(), algorithm_oid=SHA1_WITH_RSA)  # noqa: S303
    )
)
case("md5-signature", Reason.CERT_UNTRUSTED, "signed by AC Teste OAB with MD5", known_wrong=WEAK_CRYPTO)(
    lambda forge: Sample.of(
        resign(forge.valid_leaf(), forge.pki.oab.key, algorithm=hashes.MD5(), algorithm_oid=MD5_WITH_RSA)  # noqa: S303
    )
)


# -- structure the X.509 profile forbids (signed by the real AC: only the structure is wrong) --

SERIAL_ACCEPTED = (
    "accepted and logs the member in (302): RFC 5280 §4.1.2.2 requires a positive serial of at most 20 octets; "
    "cryptography only warns (and announces it will refuse to load negative or zero serials)"
)
BAD_EXTENSION_UNTRUSTED = (
    "answered CERT_UNTRUSTED (403): OpenSSL flags the undecodable extension during path building, before the "
    "validator's own ValueError → CERT_MALFORMED mapping is reached; other undecodable SAN encodings do give "
    "CERT_MALFORMED (see san-other-name-non-minimal-length), so the code depends on which parser fails first"
)

case("serial-negative", Reason.CERT_MALFORMED, "serial −255, signed by the AC", known_wrong=SERIAL_ACCEPTED)(
    lambda forge: Sample.of(resign(forge.valid_leaf(), forge.pki.oab.key, set_tbs_field(1, tlv(0x02, b"\xff\x01"))))
)
case("serial-zero", Reason.CERT_MALFORMED, "serial 0, signed by the AC", known_wrong=SERIAL_ACCEPTED)(
    lambda forge: Sample.of(resign(forge.valid_leaf(), forge.pki.oab.key, set_tbs_field(1, tlv(0x02, b"\x00"))))
)
case("serial-21-bytes", Reason.CERT_MALFORMED, "a 21-octet serial, signed by the AC", known_wrong=SERIAL_ACCEPTED)(
    lambda forge: Sample.of(
        resign(forge.valid_leaf(), forge.pki.oab.key, set_tbs_field(1, tlv(0x02, b"\x01" + b"\x5a" * 20)))
    )
)
case(
    "version-4",
    Reason.CERT_MALFORMED,
    'TBS version field 3 ("v4"): no signature needed, refused while decoding',
    stage=Stage.HEADER,
    known_wrong=(
        "500: forwarded.load_der_certificate catches ValueError, but cryptography raises x509.InvalidVersion "
        "(an Exception, not a ValueError) for an unknown version"
    ),
)(lambda forge: Sample.of(resign(forge.valid_leaf(), forge.leaf_key, set_tbs_field(0, bytes.fromhex("a003020103")))))


def bit_string_country(fields: list[bytes]) -> list[bytes]:
    """The subject's countryName as a well-formed BIT STRING (0 unused bits, "BR") instead of a PrintableString."""
    rdns = children(fields[5])
    country = tlv(0x31, tlv(0x30, oid_tlv(NameOID.COUNTRY_NAME.dotted_string) + tlv(0x03, b"\x00BR")))
    assert rdns[0] == tlv(0x31, tlv(0x30, oid_tlv(NameOID.COUNTRY_NAME.dotted_string) + tlv(0x13, b"BR")))
    return [*fields[:5], tlv(0x30, country + b"".join(rdns[1:])), *fields[6:]]


case(
    "subject-country-as-bit-string",
    Reason.CERT_MALFORMED,
    "subject countryName encoded as a (well-formed) BIT STRING, self-signed: OpenSSL parses it",
    known_wrong=(
        "500: cryptography raises TypeError ('oid must be X500_UNIQUE_IDENTIFIER for BitString type') when the "
        "subject is read; facts._safe_rfc4514 catches only ValueError. First step of validate(): no AC signature "
        "needed"
    ),
)(lambda forge: Sample.of(resign(forge.valid_leaf(), forge.leaf_key, bit_string_country)))
case(
    "subject-invalid-utf8",
    Reason.CERT_MALFORMED,
    "UTF8String CN holding bytes that are not UTF-8, signed by the AC",
    known_wrong=(
        "500: TrustStore.verify → OpenSSL.crypto.X509.from_cryptography raises OpenSSL.crypto.Error "
        "('invalid utf8string'), which nothing catches"
    ),
)(lambda forge: Sample.of(resign(forge.valid_leaf(), forge.pki.oab.key, replace_in_tbs(5, b"MARIA", b"\xff\xfeRIA"))))


CLAIMED_IDENTITY_CRASH = (
    "500 from the login view: after the refusal, backends.claimed_identity() reads the SAN and cryptography raises "
    "{exception}, which is not a ValueError (claimed_identity catches only CertificateError and ValueError); the "
    "attempt is not audited. Needs no AC signature: any TLS client reaches it through nginx's optional_no_ca"
)
VALIDATOR_CRASH = (
    "500 from the login view and an unexpected exception from CertificateValidator.validate: cryptography raises "
    "{exception} (not a ValueError) when policy.match_policy first reads the extensions"
)


def _with_duplicate(
    spec: Leaf, oid_tlv: bytes, value: bytes, issuer: Callable[[Forge], Issued] | None = None
) -> Callable[[Forge], Sample]:
    """``spec`` plus a second extension ``oid_tlv`` (an encoded OID) with ``value``: written under a placeholder
    OID (cryptography's builder refuses duplicates), then renamed in the TBS and signed again by the issuer."""

    def build(forge: Forge) -> Sample:
        ac = issuer(forge) if issuer else forge.pki.oab
        extra = (*spec.extra, (x509.UnrecognizedExtension(PLACEHOLDER_EXTENSION, value), False))
        leaf = forge.leaf(spec.but(extra=extra), issuer=ac)
        return Sample.of(resign(leaf, ac.key, rename_extension(PLACEHOLDER_OID_TLV, oid_tlv)), ac)

    return build


PLACEHOLDER_OID_TLV = oid_tlv(PLACEHOLDER_EXTENSION.dotted_string)
SAN_OID_TLV = oid_tlv(ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string)
PRIVATE_OID_TLV = oid_tlv(PRIVATE_EXTENSION.dotted_string)
SECOND_SAN = x509.SubjectAlternativeName(
    [x509.OtherName(x509.ObjectIdentifier(OID.PERSON), der_octet_string(person_field(OTHER_CPF)))]
).public_bytes()

case(
    "duplicate-san-conflicting-cpf",
    Reason.CERT_MALFORMED,
    "two SAN extensions, the second with another CPF, signed by the AC",
    known_wrong=(
        CLAIMED_IDENTITY_CRASH.format(exception="x509.DuplicateExtension")
        + "; the pure core answers CERT_UNTRUSTED (OpenSSL refuses the duplicate while building the path)"
    ),
)(_with_duplicate(VALID, SAN_OID_TLV, SECOND_SAN))
case(
    "duplicate-san-self-made",
    Reason.CERT_UNTRUSTED,
    "two SAN extensions in a certificate of an untrusted AC",
    known_wrong=CLAIMED_IDENTITY_CRASH.format(exception="x509.DuplicateExtension"),
    view_only=True,
)(_with_duplicate(VALID, SAN_OID_TLV, SECOND_SAN, issuer=lambda forge: forge.pki.stranger))
case(
    "duplicate-private-extension",
    Reason.CERT_MALFORMED,
    "a private non-critical extension twice, signed by the AC (OpenSSL accepts the path)",
    known_wrong=VALIDATOR_CRASH.format(exception="x509.DuplicateExtension"),
)(
    _with_duplicate(
        VALID.but(extra=((x509.UnrecognizedExtension(PRIVATE_EXTENSION, b"\x05\x00"), False),)),
        PRIVATE_OID_TLV,
        b"\x05\x00",
    )
)

#: A SAN whose second GeneralName is an ediPartyName [5] (RFC 5280 allows it; cryptography cannot represent it).
EDI_PARTY_SAN = tlv(
    0x30,
    other_name_raw(PERSON_OID_DER, der_octet_string(person_field(CPF))) + tlv(0xA5, tlv(0xA1, tlv(0x0C, b"ACT"))),
)
EDI_PARTY_LEAF = VALID.but(
    other_names=(), extra=((x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, EDI_PARTY_SAN), False),)
)
case(
    "san-edi-party-name",
    Reason.CERT_MALFORMED,
    "SAN with the CPF otherName and an ediPartyName, signed by the AC",
    known_wrong=VALIDATOR_CRASH.format(exception="x509.UnsupportedGeneralNameType"),
)(signed_by_oab(EDI_PARTY_LEAF))
case(
    "san-edi-party-name-self-made",
    Reason.CERT_UNTRUSTED,
    "SAN with an ediPartyName in a certificate of an untrusted AC",
    known_wrong=CLAIMED_IDENTITY_CRASH.format(exception="x509.UnsupportedGeneralNameType"),
    view_only=True,
)(lambda forge: Sample.of(forge.leaf(EDI_PARTY_LEAF, issuer=forge.pki.stranger), forge.pki.stranger))
case(
    "aia-x400-address-self-made",
    Reason.CERT_UNTRUSTED,
    "authorityInfoAccess pointing at an x400Address, untrusted AC",
    known_wrong=CLAIMED_IDENTITY_CRASH.format(exception="x509.UnsupportedGeneralNameType"),
    view_only=True,
)(
    lambda forge: Sample.of(
        forge.leaf(
            VALID.but(
                extra=(
                    (
                        x509.UnrecognizedExtension(
                            ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
                            tlv(0x30, tlv(0x30, oid_tlv("1.3.6.1.5.5.7.48.1") + tlv(0xA3, tlv(0x30, tlv(0x30, b""))))),
                        ),
                        False,
                    ),
                )
            ),
            issuer=forge.pki.stranger,
        )
    )
)


def _raw_san_leaf(value: bytes) -> Callable[[Forge], Sample]:
    san = tlv(0x30, other_name_raw(PERSON_OID_DER, value))
    spec = VALID.but(
        other_names=(), extra=((x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, san), False),)
    )
    return signed_by_oab(spec)


case(
    "san-other-name-bad-inner-length",
    Reason.CERT_MALFORMED,
    "otherName value claiming 64 bytes and holding 3 (SAN undecodable)",
    known_wrong=BAD_EXTENSION_UNTRUSTED,
)(_raw_san_leaf(b"\x04\x40abc"))
case(
    "san-other-name-trailing-bytes",
    Reason.CERT_MALFORMED,
    "bytes after the otherName value inside its [0] wrapper",
    known_wrong=BAD_EXTENSION_UNTRUSTED,
)(_raw_san_leaf(der_octet_string(person_field(CPF)) + b"\x00"))
case(
    "san-other-name-non-minimal-length",
    Reason.CERT_MALFORMED,
    "otherName OCTET STRING with a BER (non-minimal) length",
)(_raw_san_leaf(b"\x04\x81\x32" + person_field(CPF).encode()[:50]))
case(
    "san-other-name-indefinite-length",
    Reason.CERT_MALFORMED,
    "otherName as a BER indefinite-length constructed OCTET STRING",
)(_raw_san_leaf(b"\x24\x80" + der_octet_string(person_field(CPF)) + b"\x00\x00"))


# -- validity --

register_leaf(
    "expired", Reason.CERT_EXPIRED, "expired yesterday", VALID.but(valid_from=-400 * DAY, valid_for=399 * DAY)
)
register_leaf("not-yet-valid", Reason.CERT_NOT_YET_VALID, "valid from tomorrow", VALID.but(valid_from=DAY))
case("validity-inverted-around-now", Reason.CERT_NOT_YET_VALID, "notBefore (in a year) after notAfter (last year)")(
    lambda forge: Sample.of(
        resign(forge.leaf(VALID.but(valid_from=-YEAR, valid_for=2 * YEAR)), forge.pki.oab.key, swap_validity)
    )
)
case("validity-inverted-in-the-past", Reason.CERT_EXPIRED, "notBefore after notAfter, both past")(
    lambda forge: Sample.of(
        resign(forge.leaf(VALID.but(valid_from=-30 * DAY, valid_for=10 * DAY)), forge.pki.oab.key, swap_validity)
    )
)


# -- certificate type (policy OIDs) --

register_leaf("a1-policy", Reason.CERT_NOT_A3, "an A1 certificate", VALID.but(policies=(A1_POLICY,)))
register_leaf("a2-policy", Reason.CERT_NOT_A3, "an A2 certificate", VALID.but(policies=("2.16.76.1.2.2.5",)))
register_leaf("no-policy-extension", Reason.CERT_NOT_A3, "no certificatePolicies at all", VALID.but(policies=None))
register_leaf("any-policy-only", Reason.CERT_NOT_A3, "anyPolicy (2.5.29.32.0) only", VALID.but(policies=(ANY_POLICY,)))
register_leaf(
    "policy-arc-31",
    Reason.CERT_NOT_A3,
    "2.16.76.1.2.31.5: starts with the A3 digits",
    VALID.but(policies=("2.16.76.1.2.31.5",)),
)
register_leaf(
    "policy-arc-30",
    Reason.CERT_NOT_A3,
    "2.16.76.1.2.30.1: the A3 prefix is a string prefix",
    VALID.but(policies=("2.16.76.1.2.30.1",)),
)
register_leaf(
    "policy-bare-a3-arc",
    Reason.CERT_NOT_A3,
    "2.16.76.1.2.3 itself (no AC policy arc)",
    VALID.but(policies=("2.16.76.1.2.3",)),
)
register_leaf(
    "a3-oid-in-eku",
    Reason.CERT_NOT_A3,
    "A1 policy; the A3 OID as an extended key usage",
    VALID.but(policies=(A1_POLICY,), eku=(ExtendedKeyUsageOID.CLIENT_AUTH, x509.ObjectIdentifier(A3_POLICY))),
)
register_leaf(
    "a3-oid-in-san-other-name",
    Reason.CERT_NOT_A3,
    "A1 policy; the A3 OID as an otherName type",
    VALID.but(
        policies=(A1_POLICY,),
        other_names=(*VALID.other_names, (A3_POLICY, der_octet_string("A3"))),
    ),
)
register_leaf(
    "a3-oid-in-san-registered-id",
    Reason.CERT_NOT_A3,
    "A1 policy; the A3 OID as a SAN registeredID",
    VALID.but(policies=(A1_POLICY,), san_extra=(x509.RegisteredID(x509.ObjectIdentifier(A3_POLICY)),)),
)
register_leaf(
    "a3-oid-as-extension",
    Reason.CERT_NOT_A3,
    "A1 policy; an extension whose OID is the A3 policy",
    VALID.but(
        policies=(A1_POLICY,),
        extra=((x509.UnrecognizedExtension(x509.ObjectIdentifier(A3_POLICY), b"\x05\x00"), False),),
    ),
)
register_leaf(
    "a3-oid-in-policy-qualifiers",
    Reason.CERT_NOT_A3,
    "A1 policy whose CPS URI and user notice spell the A3 OID",
    VALID.but(
        policies=(A1_POLICY,),
        policy_qualifiers=(
            f"http://acteste.example/{A3_POLICY}",
            x509.UserNotice(None, f"policy {A3_POLICY} (A3)"),
        ),
    ),
)


# -- key usage --

register_leaf(
    "no-digital-signature",
    Reason.CERT_KEY_USAGE,
    "key usage without digitalSignature",
    VALID.but(key_usage=leaf_key_usage(digital_signature=False)),
)
register_leaf("no-key-usage", Reason.CERT_KEY_USAGE, "no key usage extension", VALID.but(key_usage=None))
register_leaf(
    "no-key-usage-no-eku", Reason.CERT_KEY_USAGE, "neither key usage nor EKU", VALID.but(key_usage=None, eku=None)
)
register_leaf(
    "eku-without-client-auth",
    Reason.CERT_KEY_USAGE,
    "EKU emailProtection only",
    VALID.but(eku=(ExtendedKeyUsageOID.EMAIL_PROTECTION,)),
)
register_leaf(
    "eku-server-auth-only-critical",
    Reason.CERT_KEY_USAGE,
    "critical EKU serverAuth only",
    VALID.but(eku=(ExtendedKeyUsageOID.SERVER_AUTH,), eku_critical=True),
)
register_leaf(
    "eku-any-only",
    Reason.CERT_KEY_USAGE,
    "EKU anyExtendedKeyUsage only",
    VALID.but(eku=(x509.ObjectIdentifier("2.5.29.37.0"),)),
)
register_leaf(
    "ca-certificate-as-leaf",
    Reason.CERT_KEY_USAGE,
    "a CA certificate (CA=true) with A3 policy, CPF, digitalSignature and clientAuth",
    VALID.but(
        basic_constraints=x509.BasicConstraints(ca=True, path_length=0),
        key_usage=leaf_key_usage(key_cert_sign=True),
    ),
)
case("real-ac-certificate-as-leaf", Reason.CERT_NOT_A3, "AC Teste OAB's own certificate presented")(
    lambda forge: Sample.of(forge.pki.oab.certificate)
)


# -- identity (CPF) --

register_leaf(
    "two-person-fields-different-cpfs",
    Reason.CERT_NO_CPF,
    "two 2.16.76.1.3.1 otherNames with different CPFs",
    VALID.but(
        cn=NAME,
        other_names=(
            (OID.PERSON, der_octet_string(person_field(CPF))),
            (OID.PERSON, der_octet_string(person_field(OTHER_CPF))),
        ),
    ),
)
register_leaf(
    "person-field-valid-and-zero-cpf",
    Reason.CERT_NO_CPF,
    "two 2.16.76.1.3.1 otherNames, one with the CPF, one all zeros",
    VALID.but(
        other_names=(
            (OID.PERSON, der_octet_string(person_field(CPF))),
            (OID.PERSON, der_octet_string(person_field("0" * 11))),
        ),
    ),
)
register_leaf(
    "cn-cpf-differs-from-san",
    Reason.CERT_NO_CPF,
    "CPF in the CN, another one in the SAN",
    VALID.but(cn=f"{NAME}:{CPF}", other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),)),
)
register_leaf(
    "cn-cpf-differs-from-serial-number",
    Reason.CERT_NO_CPF,
    "no otherName; the member's CPF in the CN, a stranger's in the serialNumber",
    VALID.but(
        other_names=(),
        subject=(
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, OTHER_CPF),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{NAME}:{CPF}"),
        ),
    ),
)
register_leaf(
    "serial-number-cpf-differs",
    Reason.CERT_NO_CPF,
    "Resolução 211 serialNumber with another CPF than the otherName",
    VALID.but(
        subject=(
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, OTHER_CPF),
            x509.NameAttribute(NameOID.COMMON_NAME, NAME),
        ),
    ),
)
register_leaf(
    "cpf-bad-check-digits",
    Reason.CERT_NO_CPF,
    "CPF with wrong check digits everywhere",
    VALID.but(cn=f"{NAME}:52601815907", other_names=((OID.PERSON, der_octet_string(person_field("52601815907"))),)),
)
register_leaf(
    "cpf-repeated-digits",
    Reason.CERT_NO_CPF,
    "CPF 111.111.111-11 (check digits work, never issued)",
    VALID.but(cn=f"{NAME}:11111111111", other_names=((OID.PERSON, der_octet_string(person_field("11111111111"))),)),
)
register_leaf(
    "cpf-all-zero",
    Reason.CERT_NO_CPF,
    "the CPF field filled with zeros, no other source",
    VALID.but(cn=NAME, other_names=((OID.PERSON, der_octet_string(person_field("0" * 11))),)),
)
register_leaf(
    "cpf-with-letter",
    Reason.CERT_NO_CPF,
    "a letter among the CPF digits of the otherName",
    VALID.but(cn=NAME, other_names=((OID.PERSON, der_octet_string(person_field("5260181590A"))),)),
)
for _label, _value in [
    ("integer", b"\x02\x04\x1f\x5a\x2b\x3c"),
    ("sequence", tlv(0x30, der_octet_string(person_field(CPF)))),
    ("bmp-string", tlv(0x1E, person_field(CPF).encode("utf-16-be"))),
    ("boolean", b"\x01\x01\xff"),
    ("null", b"\x05\x00"),
    ("constructed-octet-string", tlv(0x24, der_octet_string(person_field(CPF)))),
]:
    register_leaf(
        f"person-field-as-{_label}",
        Reason.CERT_NO_CPF,
        f"2.16.76.1.3.1 encoded as {_label.replace('-', ' ')}",
        VALID.but(cn=NAME, other_names=((OID.PERSON, _value),)),
    )
register_leaf(
    "person-field-too-short",
    Reason.CERT_NO_CPF,
    "2.16.76.1.3.1 of 18 characters (CPF cut)",
    VALID.but(cn=NAME, other_names=((OID.PERSON, der_octet_string(person_field(CPF)[:18])),)),
)
register_leaf(
    "person-field-too-long",
    Reason.CERT_NO_CPF,
    "2.16.76.1.3.1 of 4000 characters",
    VALID.but(cn=NAME, other_names=((OID.PERSON, der_octet_string(person_field(CPF) + "9" * 3950)),)),
)
register_leaf(
    "person-field-fullwidth-digits",
    Reason.CERT_NO_CPF,
    "2.16.76.1.3.1 as UTF8String with fullwidth digits (look like the CPF)",
    VALID.but(
        cn=NAME,
        other_names=((OID.PERSON, tlv(0x0C, person_field("".join(chr(0xFF10 + int(d)) for d in CPF)).encode())),),
    ),
)
register_leaf(
    "serial-number-arabic-indic-digits",
    Reason.CERT_NO_CPF,
    "serialNumber in Arabic-Indic digits (str.isdigit() is true), the CPF in the SAN",
    VALID.but(
        subject=(
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(
                NameOID.SERIAL_NUMBER, "".join(chr(0x0660 + int(d)) for d in OTHER_CPF), _ASN1Type.UTF8String
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, NAME),
        ),
    ),
)
register_leaf(
    "oab-conflicting",
    Reason.CERT_NO_CPF,
    "two different OAB registrations",
    VALID.but(other_names=(*VALID.other_names, (OID.OAB, der_printable_string("0999999RJ")))),
)
register_leaf(
    "serial-number-cnpj-makes-company",
    Reason.CERT_NO_CPF,
    "a 14-digit serialNumber: read as an e-CNPJ, refused by default",
    VALID.but(
        subject=(
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "11222333000181"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{NAME}:{CPF}"),
        ),
    ),
)
register_leaf(
    "cn-nul-byte-hides-second-cpf",
    Reason.CERT_NO_CPF,
    "CN 'NAME:CPF\\x00:OTHER' (the part after the NUL disagrees)",
    VALID.but(cn=f"{NAME}:{CPF}\x00:{OTHER_CPF}"),
)


case("untrusted-nul-in-name", Reason.CERT_UNTRUSTED, "a stranger-PKI leaf whose CN holds a NUL")(
    lambda forge: Sample.of(forge.leaf(VALID.but(cn=f"MARIA\x00DA SILVA:{CPF}"), issuer=forge.pki.stranger))
)


# -- names: valid certificates whose name must not matter --


@case(
    "homoglyph-name-own-cpf",
    Reason.MEMBER_UNKNOWN,
    "'MARIA DA SІLVA' (Cyrillic І) with a stranger's valid CPF: names never identify",
    stage=Stage.MEMBER,
)
def _homoglyph_name(forge: Forge) -> Sample:
    spec = VALID.but(
        cn=f"MARIA DA S\u0406LVA:{OTHER_CPF}", other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),)
    )
    return Sample.of(forge.leaf(spec))


@case(
    "utf8-name-with-controls",
    Reason.MEMBER_UNKNOWN,
    "UTF-8 CN with accents, CJK, RTL override and a NUL, a stranger's CPF",
    stage=Stage.MEMBER,
)
def _utf8_name(forge: Forge) -> Sample:
    name = "JOSÉ ÇÃO 日本 \u202eAVLIS AD AIRAM\u202c\x00 MARIA"  # CN: 64 characters at most
    spec = VALID.but(cn=f"{name}:{OTHER_CPF}", other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),))
    return Sample.of(forge.leaf(spec))


# Fixed since the corpus was written (certauth.icp.strength, certauth.backends):
# - the structure is read before the path is built, so a structurally broken certificate is CERT_MALFORMED whoever
#   issued it (before, the code depended on which parser failed first: OpenSSL's said CERT_UNTRUSTED);
# - weak keys and signatures anywhere in the path are CERT_UNTRUSTED; RFC 5280-violating serials are CERT_MALFORMED;
# - the decoder maps cryptography's InvalidVersion; the view maps any other parser failure.
_NOW_MALFORMED = (
    "duplicate-san-self-made",
    "san-edi-party-name-self-made",
    "aia-x400-address-self-made",
    "duplicate-san-conflicting-cpf",
    "san-other-name-bad-inner-length",
    "san-other-name-trailing-bytes",
)
_NOW_RIGHT = (
    "version-4",
    "subject-country-as-bit-string",
    "subject-invalid-utf8",
    "duplicate-private-extension",
    "san-edi-party-name",
    "rsa-1024-leaf-key",
    "rsa-1024-intermediate",
    "dsa-1024-leaf-key",
    "sha1-signature",
    "md5-signature",
    "serial-negative",
    "serial-zero",
    "serial-21-bytes",
)
for _name in _NOW_MALFORMED:
    CASES[_name] = dataclasses.replace(CASES[_name], reason=Reason.CERT_MALFORMED, known_wrong=None)
for _name in _NOW_RIGHT:
    CASES[_name] = dataclasses.replace(CASES[_name], known_wrong=None)


def case_names(*stages: Stage) -> list[str]:
    return [name for name, c in CASES.items() if not stages or c.stage in stages]
