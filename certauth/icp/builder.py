"""Certificates shaped like ICP-Brasil's, for the demo PKI and the tests (which build their own PKI at run time).

Root → AC of the 1st level → issuing AC (e.g. "AC OAB") → e-CPF leaves in either profile, with the real field
layouts (SAN otherNames as OCTET STRING, OAB as PrintableString, DN serialNumber for Resolução 211).
Nothing here is used to validate anything.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from certauth.icp.identity import OID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
A3_POLICY = "2.16.76.1.2.3.28"  # AC OAB's A3 policy
A1_POLICY = "2.16.76.1.2.1.28"


class LeafProfile(StrEnum):
    LEGACY = "legacy"
    RES_211 = "res211"


def der_octet_string(text: str) -> bytes:
    return _tlv(0x04, text.encode("latin-1"))


def der_printable_string(text: str) -> bytes:
    return _tlv(0x13, text.encode("ascii"))


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def common_name(self) -> str:
        return str(self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def pkcs12(self, password: bytes, chain: tuple[x509.Certificate, ...] = (), name: str | None = None) -> bytes:
        """PKCS#12 (AES-256 + SHA-256, what current Chrome, Firefox and Windows import) with the chain."""
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(50000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password)
        )
        return pkcs12.serialize_key_and_certificates(
            (name or self.common_name).encode(), self.key, self.certificate, list(chain) or None, encryption
        )


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """An e-CPF to issue. Defaults give a valid A3 lawyer-style certificate, old profile, valid 3 years."""

    name: str
    cpf: str
    birth_date: dt.date = dt.date(1980, 1, 1)
    oab: str | None = None  #: e.g. ``0123456SP``: only AC OAB certificates carry it
    profile: LeafProfile = LeafProfile.LEGACY
    policy_oid: str = A3_POLICY
    client_auth: bool = True
    digital_signature: bool = True
    cn_with_cpf: bool = True
    valid_from: dt.timedelta = dt.timedelta(days=-1)  #: relative to the builder's ``now``
    valid_for: dt.timedelta = dt.timedelta(days=3 * 365)
    crl_urls: tuple[str, ...] = ()
    ocsp_url: str | None = None
    #: Authority Information Access ``caIssuers``: where the issuing AC's certificate is published.
    ca_issuers_urls: tuple[str, ...] = ()
    email: str | None = None
    #: Raw extra SAN otherNames ``(oid, der_value)`` for hostile test certificates.
    extra_other_names: tuple[tuple[str, bytes], ...] = ()

    def but(self, **changes: object) -> PersonSpec:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass
class PkiBuilder:
    """Issues keys and certificates. ``now`` anchors every validity period (pass a fixed one in tests)."""

    now: dt.datetime
    key_size: int = 2048
    #: Reusing one leaf key makes a test PKI of dozens of certificates cost one key generation.
    shared_leaf_key: bool = False
    _leaf_key: PrivateKey | None = field(default=None, init=False, repr=False)

    def new_key(self) -> PrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)

    def root(self, common_name: str, *, key: PrivateKey | None = None, years: int = 13) -> Issued:
        key = key or self.new_key()
        name = _ca_name(common_name, ou=None)
        builder = self._ca_builder(name, name, key.public_key(), key.public_key(), path_length=None, years=years)
        return Issued(builder.sign(key, hashes.SHA512()), key)

    def intermediate(
        self,
        parent: Issued,
        common_name: str,
        *,
        path_length: int | None = 0,
        years: int = 10,
        key: PrivateKey | None = None,
        valid_from: dt.timedelta = dt.timedelta(days=-30),
        crl_urls: tuple[str, ...] = (),
        ca_issuers_urls: tuple[str, ...] = (),
    ) -> Issued:
        """An AC under ``parent``; ``crl_urls`` are where *parent's* CRL is published (as in real CA certificates),
        ``ca_issuers_urls`` where *parent's* certificate is (AIA ``caIssuers``)."""
        key = key or self.new_key()
        ou = parent.common_name
        builder = self._ca_builder(
            _ca_name(common_name, ou=ou),
            parent.certificate.subject,
            key.public_key(),
            parent.key.public_key(),
            path_length=path_length,
            years=years,
            valid_from=valid_from,
        )
        if crl_urls:
            builder = builder.add_extension(_crl_distribution_points(crl_urls), critical=False)
        if ca_issuers_urls:
            builder = builder.add_extension(_authority_information_access(None, ca_issuers_urls), critical=False)
        return Issued(builder.sign(parent.key, hashes.SHA512()), key)

    def person(self, issuer: Issued, spec: PersonSpec) -> Issued:
        key = self._leaf_key_for()
        cn = f"{spec.name}:{spec.cpf}" if spec.cn_with_cpf else spec.name
        if spec.profile is LeafProfile.RES_211:
            attributes = [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, spec.cpf),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        else:
            attributes = [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, issuer.common_name),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "12345678000190"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Presencial"),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        san: list[x509.GeneralName] = []
        if spec.profile is LeafProfile.LEGACY:
            person = f"{spec.birth_date:%d%m%Y}{spec.cpf}{'0' * 11}{'000000012345678'}SSPDF"
            san.append(x509.OtherName(x509.ObjectIdentifier(OID.PERSON), der_octet_string(person)))
            san.append(x509.OtherName(x509.ObjectIdentifier("2.16.76.1.3.6"), der_octet_string("0" * 12)))
            san.append(x509.OtherName(x509.ObjectIdentifier("2.16.76.1.3.5"), der_octet_string("0" * 19)))
        if spec.oab:
            san.append(x509.OtherName(x509.ObjectIdentifier(OID.OAB), der_printable_string(spec.oab)))
        for oid, value in spec.extra_other_names:
            san.append(x509.OtherName(x509.ObjectIdentifier(oid), value))
        if spec.email:
            san.append(x509.RFC822Name(spec.email))

        not_before = self.now + spec.valid_from
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(issuer.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + spec.valid_for)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=spec.digital_signature), critical=True)
            .add_extension(
                x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(spec.policy_oid), None)]),
                critical=False,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
                    if spec.client_auth
                    else [ExtendedKeyUsageOID.EMAIL_PROTECTION]
                ),
                critical=False,
            )
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        if spec.crl_urls:
            builder = builder.add_extension(_crl_distribution_points(spec.crl_urls), critical=False)
        if spec.ocsp_url or spec.ca_issuers_urls:
            builder = builder.add_extension(
                _authority_information_access(spec.ocsp_url, spec.ca_issuers_urls), critical=False
            )
        return Issued(builder.sign(issuer.key, hashes.SHA256()), key)

    def crl(
        self,
        issuer: Issued,
        revoked: Iterable[RevokedEntry] = (),
        *,
        number: int = 1,
        this_update: dt.datetime | None = None,
        next_update: dt.datetime | None = None,
        signing_key: PrivateKey | None = None,
    ) -> bytes:
        """The DER CRL of ``issuer`` (signed by ``signing_key`` instead, to make a forged one)."""
        this_update = this_update or self.now - dt.timedelta(hours=1)
        entries = [
            _revoked_certificate(entry.serial, entry.revoked_at or this_update, entry.reason) for entry in revoked
        ]
        builder = x509.CertificateRevocationListBuilder(
            issuer_name=issuer.certificate.subject,
            last_update=this_update,
            next_update=next_update or this_update + dt.timedelta(days=7),
            revoked_certificates=entries,
        )
        builder = builder.add_extension(x509.CRLNumber(number), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
        crl = builder.sign(signing_key or issuer.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)

    def server(self, issuer: Issued, hostnames: tuple[str, ...], *, ips: tuple[str, ...] = ()) -> Issued:
        """A TLS server certificate (for nginx) — not an ICP-Brasil certificate. ECDSA P-256: a handshake costs the
        server a fraction of an RSA-2048 signature (Mozilla "intermediate" accepts both)."""
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
            .issuer_name(issuer.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=1))
            .not_valid_after(self.now + dt.timedelta(days=397))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        )
        return Issued(builder.sign(issuer.key, hashes.SHA256()), key)

    def _leaf_key_for(self) -> PrivateKey:
        if not self.shared_leaf_key:
            return self.new_key()
        if self._leaf_key is None:
            self._leaf_key = self.new_key()
        return self._leaf_key

    def _ca_builder(
        self,
        subject: x509.Name,
        issuer: x509.Name,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        issuer_public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        *,
        path_length: int | None,
        years: int,
        valid_from: dt.timedelta = dt.timedelta(days=-30),
    ) -> x509.CertificateBuilder:
        not_before = self.now + valid_from
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key), critical=False)
        )


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    serial: int
    revoked_at: dt.datetime | None = None
    reason: x509.ReasonFlags | None = None


def _revoked_certificate(serial: int, when: dt.datetime, reason: x509.ReasonFlags | None) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
    if reason is not None:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()


def _ca_name(common_name: str, *, ou: str | None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
    ]
    if ou:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(*, digital_signature: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=True,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _crl_distribution_points(urls: tuple[str, ...]) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(u)], None, None, None) for u in urls]
    )


def _authority_information_access(
    ocsp_url: str | None, ca_issuers_urls: tuple[str, ...]
) -> x509.AuthorityInformationAccess:
    descriptions = (
        [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]
        if ocsp_url
        else []
    )
    descriptions += [
        x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url))
        for url in ca_issuers_urls
    ]
    return x509.AuthorityInformationAccess(descriptions)
