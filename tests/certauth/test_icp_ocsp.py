"""certauth.icp.ocsp: building requests and judging responses (signer, certificate named, freshness) (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certauth.icp.builder import Issued, PkiBuilder
from certauth.icp.ocsp import OcspError, OcspResult, OcspStatus, build_request, evaluate_response
from certauth.icp.revocation import Revocation
from tests.conftest import LAWYER
from tests.pki import TestPki

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
UNAUTHORIZED = "respondedor OCSP não autorizado pela AC"
BAD_SIGNATURE = "assinatura inválida na resposta OCSP"
NOT_THIS_CERTIFICATE = "a resposta OCSP não trata deste certificado"
OUT_OF_PERIOD = "resposta OCSP fora do período de validade"
#: CertID hashing (RFC 5019): SHA-1 here names a key, it protects nothing.
SHA1 = hashes.SHA1()  # noqa: S303

# --- fixtures and helpers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builder(pki: TestPki) -> PkiBuilder:
    return PkiBuilder(now=pki.now)


@pytest.fixture(scope="module")
def leaf(pki: TestPki) -> x509.Certificate:
    return pki.issue(LAWYER).certificate


@pytest.fixture(scope="module")
def other_leaf(pki: TestPki, leaf) -> x509.Certificate:
    other = pki.issue(LAWYER.but(name="JOAO DE SOUZA", cpf="11144477735")).certificate
    assert other.serial_number != leaf.serial_number
    return other


@pytest.fixture(scope="module")
def responder_key(builder: PkiBuilder):
    return builder.new_key()


def responder_certificate(
    pki: TestPki,
    key,
    *,
    issuer_name: x509.Name,
    signing_key,
    eku: tuple[x509.ObjectIdentifier, ...] | None = (ExtendedKeyUsageOID.OCSP_SIGNING,),
    common_name: str = "Respondedor OCSP AC Teste OAB",
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - DAY)
        .not_valid_after(pki.now + 30 * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def delegated(pki: TestPki, responder_key) -> Issued:
    """A responder AC OAB authorised: issued by it, EKU id-kp-OCSPSigning."""
    cert = responder_certificate(pki, responder_key, issuer_name=pki.oab.certificate.subject, signing_key=pki.oab.key)
    return Issued(cert, responder_key)


@pytest.fixture(scope="module")
def rogue_responders(pki: TestPki, responder_key) -> dict[str, Issued]:
    """The same responder key in certificates that do not make it AC OAB's responder."""
    oab_name, final_name = pki.oab.certificate.subject, pki.final.certificate.subject
    certificates = {
        # a genuine OCSP responder — of another AC
        "issued-by-final": responder_certificate(pki, responder_key, issuer_name=final_name, signing_key=pki.final.key),
        # claims AC OAB as its issuer, but AC Teste Final signed it
        "forged-oab-issuer": responder_certificate(pki, responder_key, issuer_name=oab_name, signing_key=pki.final.key),
        # issued by AC OAB, but not for OCSP
        "no-eku": responder_certificate(pki, responder_key, issuer_name=oab_name, signing_key=pki.oab.key, eku=None),
        "client-auth-eku": responder_certificate(
            pki,
            responder_key,
            issuer_name=oab_name,
            signing_key=pki.oab.key,
            eku=(ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH),
        ),
    }
    return {name: Issued(cert, responder_key) for name, cert in certificates.items()}


def response(
    pki: TestPki,
    certificate: x509.Certificate,
    *,
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
    issuer: x509.Certificate | None = None,
    signer: Issued | None = None,
    responder_certificate: x509.Certificate | None = None,
    include: tuple[x509.Certificate, ...] | None = None,
    encoding: ocsp.OCSPResponderEncoding = ocsp.OCSPResponderEncoding.HASH,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    revocation_time: dt.datetime | None = None,
    revocation_reason: x509.ReasonFlags | None = None,
    algorithm: hashes.HashAlgorithm | None = None,
) -> bytes:
    """A DER OCSP response about ``certificate`` (by default: GOOD, signed by AC OAB itself, fresh)."""
    signer = signer or pki.oab
    this_update = this_update or pki.now - HOUR
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=certificate,
        issuer=issuer or pki.oab.certificate,
        algorithm=algorithm or SHA1,
        cert_status=status,
        this_update=this_update,
        next_update=next_update if next_update is not None else this_update + DAY,
        revocation_time=revocation_time,
        revocation_reason=revocation_reason,
    )
    builder = builder.responder_id(encoding, responder_certificate or signer.certificate)
    if include is None:
        include = () if signer is pki.oab else (signer.certificate,)
    if include:
        builder = builder.certificates(list(include))
    return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def evaluate(pki: TestPki, data: bytes, certificate: x509.Certificate, at: dt.datetime) -> OcspResult:
    return evaluate_response(data, certificate, pki.oab.certificate, at=at)


def refused(pki: TestPki, data: bytes, certificate: x509.Certificate, at: dt.datetime, message: str) -> OcspError:
    with pytest.raises(OcspError) as exc:
        evaluate(pki, data, certificate, at)
    assert message in str(exc.value), exc.value
    return exc.value


ENCODINGS = pytest.mark.parametrize("encoding", list(ocsp.OCSPResponderEncoding), ids=lambda e: e.name)


# --- build_request -----------------------------------------------------------------------------------------------


def test_build_request_names_the_certificate_and_its_issuer(pki, leaf) -> None:
    request = ocsp.load_der_ocsp_request(build_request(leaf, pki.oab.certificate))
    assert request.serial_number == leaf.serial_number
    assert isinstance(request.hash_algorithm, hashes.SHA1)
    assert request.issuer_name_hash == hashlib.sha1(pki.oab.certificate.subject.public_bytes()).digest()  # noqa: S324
    # CertID's issuerKeyHash is the SHA-1 of the issuer's subjectPublicKey: what its SKI (method 1) also is.
    ski = pki.oab.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert request.issuer_key_hash == ski


def test_build_request_for_another_issuer_differs(pki, leaf) -> None:
    request = ocsp.load_der_ocsp_request(build_request(leaf, pki.final.certificate))
    own = ocsp.load_der_ocsp_request(build_request(leaf, pki.oab.certificate))
    assert request.serial_number == own.serial_number
    assert request.issuer_key_hash != own.issuer_key_hash


def test_a_response_to_the_request_cert_id_is_understood(pki, leaf, now) -> None:
    request = ocsp.load_der_ocsp_request(build_request(leaf, pki.oab.certificate))
    data = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            request.issuer_name_hash,
            request.issuer_key_hash,
            request.serial_number,
            request.hash_algorithm,
            ocsp.OCSPCertStatus.GOOD,
            pki.now - HOUR,
            pki.now + DAY,
            None,
            None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.oab.certificate)
        .sign(pki.oab.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    assert evaluate(pki, data, leaf, now) == OcspResult(OcspStatus.GOOD)


# --- accepted: GOOD, REVOKED, UNKNOWN ----------------------------------------------------------------------------


@ENCODINGS
def test_good_signed_by_the_issuing_ca(pki, leaf, now, encoding) -> None:
    assert evaluate(pki, response(pki, leaf, encoding=encoding), leaf, now) == OcspResult(OcspStatus.GOOD)


@ENCODINGS
def test_good_signed_by_a_delegated_responder(pki, leaf, now, delegated, encoding) -> None:
    data = response(pki, leaf, signer=delegated, encoding=encoding)
    assert evaluate(pki, data, leaf, now) == OcspResult(OcspStatus.GOOD)


@pytest.mark.parametrize("hash_algorithm", [SHA1, hashes.SHA256()], ids=["sha1", "sha256"])
def test_cert_id_hashed_with_another_algorithm(pki, leaf, now, hash_algorithm) -> None:
    assert evaluate(pki, response(pki, leaf, algorithm=hash_algorithm), leaf, now).status is OcspStatus.GOOD


@pytest.mark.parametrize("signed_by", ["ca", "delegated"])
def test_revoked_carries_time_and_reason(pki, leaf, now, delegated, signed_by) -> None:
    revoked_at = pki.now - 2 * DAY
    data = response(
        pki,
        leaf,
        status=ocsp.OCSPCertStatus.REVOKED,
        signer=pki.oab if signed_by == "ca" else delegated,
        revocation_time=revoked_at,
        revocation_reason=x509.ReasonFlags.key_compromise,
    )
    result = evaluate(pki, data, leaf, now)
    assert result == OcspResult(OcspStatus.REVOKED, Revocation(revoked_at, "keyCompromise"))
    assert result.revocation.revoked_at.utcoffset() == dt.timedelta(0)


def test_revoked_without_reason(pki, leaf, now) -> None:
    revoked_at = pki.now - 3 * DAY
    data = response(pki, leaf, status=ocsp.OCSPCertStatus.REVOKED, revocation_time=revoked_at)
    assert evaluate(pki, data, leaf, now) == OcspResult(OcspStatus.REVOKED, Revocation(revoked_at, ""))


def test_unknown(pki, leaf, now) -> None:
    data = response(pki, leaf, status=ocsp.OCSPCertStatus.UNKNOWN)
    assert evaluate(pki, data, leaf, now) == OcspResult(OcspStatus.UNKNOWN, None)


# --- refused: who signed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rogue", ["issued-by-final", "forged-oab-issuer", "no-eku", "client-auth-eku"])
@ENCODINGS
def test_refused_when_signed_by_a_responder_the_ca_did_not_authorise(
    pki, leaf, now, delegated, rogue_responders, rogue, encoding
) -> None:
    signer = rogue_responders[rogue]
    assert signer.key is delegated.key  # sanity: same key, same shape as the accepted delegated responder…
    assert evaluate(pki, response(pki, leaf, signer=delegated, encoding=encoding), leaf, now).status is OcspStatus.GOOD
    data = response(pki, leaf, signer=signer, encoding=encoding)  # …only its certificate differs
    refused(pki, data, leaf, now, UNAUTHORIZED)


@pytest.fixture(scope="module")
def impostor(pki: TestPki, responder_key) -> Issued:
    """A certificate with AC OAB's exact subject (and OAB's name as issuer) but another key, signed by that key."""
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki.oab.certificate.subject)
        .issuer_name(pki.oab.certificate.issuer)
        .public_key(responder_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - DAY)
        .not_valid_after(pki.now + 30 * DAY)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .sign(responder_key, hashes.SHA256())
    )
    return Issued(cert, responder_key)


@pytest.mark.parametrize("ride_along", [False, True], ids=["bare", "with-certificate"])
def test_refused_when_another_key_signs_in_the_cas_name(pki, leaf, now, impostor, ride_along) -> None:
    assert impostor.certificate.subject == pki.oab.certificate.subject
    include = (impostor.certificate,) if ride_along else ()
    # Responder ID by name: it is AC OAB's name, so only the signature can tell.
    by_name = response(pki, leaf, signer=impostor, include=include, encoding=ocsp.OCSPResponderEncoding.NAME)
    assert ocsp.load_der_ocsp_response(by_name).responder_name == pki.oab.certificate.subject
    refused(pki, by_name, leaf, now, BAD_SIGNATURE)
    # Responder ID by key hash: the hash is the impostor key's, not AC OAB's.
    by_key = response(pki, leaf, signer=impostor, include=include, encoding=ocsp.OCSPResponderEncoding.HASH)
    refused(pki, by_key, leaf, now, UNAUTHORIZED)


@ENCODINGS
def test_refused_when_the_signature_was_altered(pki, leaf, now, delegated, encoding) -> None:
    for signer in (pki.oab, delegated):
        genuine = response(pki, leaf, signer=signer, encoding=encoding)
        assert evaluate(pki, genuine, leaf, now).status is OcspStatus.GOOD  # sanity
        signature = ocsp.load_der_ocsp_response(genuine).signature
        assert genuine.count(signature) == 1
        altered = genuine.replace(signature, signature[:-1] + bytes([signature[-1] ^ 1]))
        refused(pki, altered, leaf, now, BAD_SIGNATURE)


def test_refused_when_the_status_was_altered(pki, leaf, now) -> None:
    revoked = response(pki, leaf, status=ocsp.OCSPCertStatus.REVOKED, revocation_time=pki.now - DAY)
    assert evaluate(pki, revoked, leaf, now).status is OcspStatus.REVOKED  # sanity
    # Splice the signed REVOKED response's signature onto the GOOD one: the signature no longer covers it.
    good = response(pki, leaf)
    forged = good.replace(ocsp.load_der_ocsp_response(good).signature, ocsp.load_der_ocsp_response(revoked).signature)
    assert ocsp.load_der_ocsp_response(forged).certificate_status is ocsp.OCSPCertStatus.GOOD
    refused(pki, forged, leaf, now, BAD_SIGNATURE)


@ENCODINGS
def test_refused_when_signed_by_another_ca(pki, leaf, now, encoding) -> None:
    data = response(pki, leaf, signer=pki.final, include=(pki.final.certificate,), encoding=encoding)
    refused(pki, data, leaf, now, UNAUTHORIZED)


def test_a_delegated_responder_of_another_ca_is_not_one_of_this_ca(pki, now, rogue_responders) -> None:
    # sanity for "issued-by-final": for AC Teste Final's own certificates, that same responder is accepted.
    final_leaf = pki.issue(LAWYER, pki.final).certificate
    signer = rogue_responders["issued-by-final"]
    data = response(pki, final_leaf, issuer=pki.final.certificate, signer=signer)
    assert evaluate_response(data, final_leaf, pki.final.certificate, at=now).status is OcspStatus.GOOD
    with pytest.raises(OcspError, match=UNAUTHORIZED):
        evaluate_response(data, final_leaf, pki.oab.certificate, at=now)


# --- refused: which certificate ----------------------------------------------------------------------------------


def test_refused_when_about_another_serial(pki, leaf, other_leaf, now) -> None:
    data = response(pki, other_leaf)
    assert evaluate(pki, data, other_leaf, now).status is OcspStatus.GOOD  # sanity: a good response, for other_leaf
    error = refused(pki, data, leaf, now, NOT_THIS_CERTIFICATE)
    assert str(error) == NOT_THIS_CERTIFICATE


def test_refused_when_about_the_serial_under_another_issuer_key(pki, leaf, now) -> None:
    right = ocsp.load_der_ocsp_request(build_request(leaf, pki.oab.certificate))
    wrong = ocsp.load_der_ocsp_request(build_request(leaf, pki.final.certificate))

    def by_hash(key_hash: bytes) -> bytes:
        return (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                right.issuer_name_hash,  # AC OAB's name…
                key_hash,
                leaf.serial_number,  # …and the right serial
                SHA1,
                ocsp.OCSPCertStatus.GOOD,
                pki.now - HOUR,
                pki.now + DAY,
                None,
                None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.oab.certificate)
            .sign(pki.oab.key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )

    assert evaluate(pki, by_hash(right.issuer_key_hash), leaf, now).status is OcspStatus.GOOD  # sanity
    refused(pki, by_hash(wrong.issuer_key_hash), leaf, now, NOT_THIS_CERTIFICATE)


def test_refused_when_the_cert_id_names_another_issuer(pki, leaf, now) -> None:
    data = response(pki, leaf, issuer=pki.final.certificate)  # CertID of (AC Teste Final, leaf's serial)
    single = ocsp.load_der_ocsp_response(data)
    assert single.serial_number == leaf.serial_number
    refused(pki, data, leaf, now, NOT_THIS_CERTIFICATE)


# --- refused: freshness ------------------------------------------------------------------------------------------


def test_refused_when_stale(pki, leaf, now) -> None:
    this_update = now - 2 * DAY
    fresh = response(pki, leaf, this_update=this_update, next_update=now + HOUR)
    assert evaluate(pki, fresh, leaf, now).status is OcspStatus.GOOD  # sanity
    stale = response(pki, leaf, this_update=this_update, next_update=now - HOUR)
    error = refused(pki, stale, leaf, now, OUT_OF_PERIOD)
    assert str(error) == OUT_OF_PERIOD


def test_refused_when_this_update_is_in_the_future(pki, leaf, now) -> None:
    assert evaluate(pki, response(pki, leaf, this_update=now - MINUTE), leaf, now).status is OcspStatus.GOOD
    data = response(pki, leaf, this_update=now + HOUR, next_update=now + DAY)
    refused(pki, data, leaf, now, OUT_OF_PERIOD)


def test_freshness_tolerates_five_minutes_of_clock_skew(pki, leaf, now) -> None:
    skew = dt.timedelta(minutes=5)
    at = now.replace(microsecond=0)
    ahead = response(pki, leaf, this_update=at + skew, next_update=at + DAY)
    assert evaluate(pki, ahead, leaf, at).status is OcspStatus.GOOD
    refused(pki, ahead, leaf, at - SECOND, OUT_OF_PERIOD)
    expired = response(pki, leaf, this_update=at - DAY, next_update=at - skew)
    assert evaluate(pki, expired, leaf, at).status is OcspStatus.GOOD
    refused(pki, expired, leaf, at + SECOND, OUT_OF_PERIOD)


# --- refused: not a usable response ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [s for s in ocsp.OCSPResponseStatus if s is not ocsp.OCSPResponseStatus.SUCCESSFUL], ids=lambda s: s.name
)
def test_refused_when_the_responder_did_not_succeed(pki, leaf, now, status) -> None:
    data = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
    error = refused(pki, data, leaf, now, "respondedor OCSP respondeu")
    assert str(error) == f"respondedor OCSP respondeu {status.name}"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"\x30\x03\x0a\x01\x00", b"\x00" * 100],
    ids=["empty", "text", "short-sequence", "zeros"],
)
def test_refused_when_unreadable(pki, leaf, now, data) -> None:
    refused(pki, data, leaf, now, "resposta OCSP ilegível")


def test_refused_when_truncated_or_a_request(pki, leaf, now) -> None:
    whole = response(pki, leaf)
    assert evaluate(pki, whole, leaf, now).status is OcspStatus.GOOD  # sanity
    for data in (whole[: len(whole) // 2], whole[:-1], build_request(leaf, pki.oab.certificate)):
        refused(pki, data, leaf, now, "resposta OCSP ilegível")


# --- responder validity, replay of old answers, CA-signed answers carrying a responder certificate ---------------


@pytest.mark.parametrize(
    ("not_before", "not_after"), [(-400 * DAY, -30 * DAY), (30 * DAY, 400 * DAY)], ids=["expired", "not-yet-valid"]
)
def test_a_delegated_responder_outside_its_validity_is_not_authorized(
    pki, leaf, now, responder_key, not_before, not_after
):
    valid = responder_certificate(pki, responder_key, issuer_name=pki.oab.certificate.subject, signing_key=pki.oab.key)
    assert evaluate(pki, response(pki, leaf, signer=Issued(valid, responder_key)), leaf, now).status is OcspStatus.GOOD
    outside = (
        x509.CertificateBuilder()
        .subject_name(valid.subject)
        .issuer_name(valid.issuer)
        .public_key(responder_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now + not_before)
        .not_valid_after(pki.now + not_after)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .sign(pki.oab.key, hashes.SHA256())
    )
    with pytest.raises(OcspError, match=UNAUTHORIZED):
        evaluate(pki, response(pki, leaf, signer=Issued(outside, responder_key)), leaf, now)


def _without_next_update(pki: TestPki, certificate: x509.Certificate, this_update: dt.datetime) -> bytes:
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=certificate,
        issuer=pki.oab.certificate,
        algorithm=SHA1,
        cert_status=ocsp.OCSPCertStatus.GOOD,
        this_update=this_update,
        next_update=None,
        revocation_time=None,
        revocation_reason=None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, pki.oab.certificate)
    return builder.sign(pki.oab.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_an_answer_without_next_update_is_accepted_only_while_recent(pki, leaf, now):
    assert evaluate(pki, _without_next_update(pki, leaf, now - 10 * MINUTE), leaf, now).status is OcspStatus.GOOD
    with pytest.raises(OcspError, match=OUT_OF_PERIOD):
        evaluate(pki, _without_next_update(pki, leaf, now - 365 * DAY), leaf, now)


def test_an_answer_signed_by_the_ca_that_also_carries_a_responder_certificate_is_accepted(pki, leaf, now, delegated):
    data = response(pki, leaf, signer=pki.oab, include=(delegated.certificate,))
    assert evaluate(pki, data, leaf, now).status is OcspStatus.GOOD
