"""The hostile corpus (``tests/certauth/hostile.py``) through the real login view, as nginx would forward it, and
through the pure core (``decode_forwarded_certificate`` + ``CertificateValidator``).

Every case must be refused with its DESIGN.md code and HTTP status (400 for ``CERT_MALFORMED``, else 403), never
with a server error, and leave exactly one audit row with that code. The member the corpus imitates exists, so a
certificate that is wrongly accepted logs somebody in and fails loudly. Cases the portal answers wrongly today
carry ``known_wrong`` and are expected to fail (strictly: a fix turns them into an unexpected pass).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from django.test import Client

from certauth.icp.errors import CertificateError, Reason
from certauth.icp.forwarded import decode_forwarded_certificate
from certauth.icp.trust import TrustStore
from certauth.icp.validation import CertificateValidator
from certauth.models import LoginAttempt, Outcome
from certauth.sessions import SESSION_KEY
from tests.certauth.hostile import CASES, CPF, MEMBER_OAB, Forge, Sample, Stage, case_names
from tests.pki import TestPki, pem

LOGIN = "/entrar/certificado/"

# Negative and zero serials make cryptography warn (it will refuse them in a later release): expected here.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")


#: PostgreSQL text columns cannot hold NUL: the audit row of these attempts is not written there (SQLite keeps it).


def _marks(name: str, *, view: bool) -> list[pytest.MarkDecorator]:
    case = CASES[name]
    marks = []
    if case.known_wrong and ((view and not case.pure_only) or (not view and not case.view_only)):
        marks.append(pytest.mark.xfail(strict=True, reason=case.known_wrong))
    return marks


def _params(*stages: Stage) -> list[Any]:
    """Every case (the login view), or those of ``stages`` (the pure core)."""
    return [pytest.param(name, id=name, marks=_marks(name, view=not stages)) for name in case_names(*stages)]


@pytest.fixture(scope="session")
def forge(pki: TestPki) -> Forge:
    return Forge(pki)


@pytest.fixture
def offer_pool(certauth_settings: Any, tmp_path: Path) -> Any:
    """``offer_pool(sample)``: the sample's extra intermediates join the portal's path-building pool."""

    def offer(sample: Sample) -> None:
        if sample.pool:
            extra = tmp_path / "hostile-intermediates.pem"
            extra.write_text("".join(pem(certificate) for certificate in sample.pool))
            certauth_settings.CERTAUTH_INTERMEDIATES = [*certauth_settings.CERTAUTH_INTERMEDIATES, str(extra)]

    return offer


def forward(client: Client, sample: Sample, **extra: str) -> Any:
    """What nginx sends for this sample; a server error comes back as a response instead of an exception."""
    client.raise_request_exception = False
    headers = {"HTTP_X_SSL_CLIENT_CERT": sample.header, **sample.request_headers, **extra}
    return client.get(LOGIN, secure=True, **headers)


# --- the corpus itself ------------------------------------------------------------------------------------------


def test_corpus_is_large_and_covers_every_certificate_code() -> None:
    assert len(CASES) >= 40
    expected = {
        Reason.PROXY_UNTRUSTED,
        Reason.CERT_ABSENT,
        Reason.CERT_MALFORMED,
        Reason.CERT_UNTRUSTED,
        Reason.CERT_EXPIRED,
        Reason.CERT_NOT_YET_VALID,
        Reason.CERT_NOT_A3,
        Reason.CERT_KEY_USAGE,
        Reason.CERT_NO_CPF,
        Reason.MEMBER_UNKNOWN,
    }
    assert {case.reason for case in CASES.values()} == expected
    assert all(name == name.lower() and " " not in name for name in CASES)


def test_control_the_forges_own_valid_leaf_logs_the_member_in(forge: Forge, proxy_client, member_factory) -> None:
    # Without this, a corpus whose every certificate were broken for an unrelated reason would pass.
    member_factory(CPF, oab=MEMBER_OAB)
    response = forward(proxy_client, Sample.of(forge.valid_leaf()))
    assert response.status_code == 302, response.get("X-Error-Code")
    assert proxy_client.session[SESSION_KEY]["cpf"] == CPF


def test_control_the_pool_of_a_sample_is_used_for_path_building(
    forge: Forge, proxy_client, member_factory, offer_pool
) -> None:
    # A sound new AC under AC Teste Nivel 1, offered like the hostile ones: its path builds (and then, with no CRL of
    # the new AC anywhere, revocation fails closed) — so the hostile ACs are refused for what they are, not for
    # being absent from the store.
    member_factory(CPF, oab=MEMBER_OAB)
    sound = forge.intermediate(forge.pki.level1, "AC Teste Nova", "sound-ca")
    sample = Sample.of(forge.leaf(issuer=sound), sound)
    assert forward(proxy_client, sample)["X-Error-Code"] == Reason.CERT_UNTRUSTED
    offer_pool(sample)
    assert forward(proxy_client, sample)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN


# --- through the login view -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params())
def test_login_view_refuses_hostile_input_with_its_code(
    name: str, forge: Forge, proxy_client: Client, member_factory, offer_pool
) -> None:
    case = CASES[name]
    sample = case.build(forge)
    offer_pool(sample)
    member_factory(CPF, oab=MEMBER_OAB)  # whom a wrongly accepted certificate would log in

    response = forward(proxy_client, sample)

    outcome = (response.status_code, response.get("X-Error-Code"), response.get("Location"))
    assert response.status_code != 500, f"{case.why}: server error"
    assert outcome == (case.reason.http_status, case.reason.value, None), f"{case.why}: {outcome}"
    assert "_auth_user_id" not in proxy_client.session
    attempts = list(LoginAttempt.objects.values_list("outcome", "code", "reference", "user"))
    assert attempts == [(Outcome.REJECTED, case.reason.value, response["X-Reference"], None)], "one audit row"


# --- through the pure core --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params(Stage.HEADER, Stage.CERTIFICATE, Stage.MEMBER))
def test_pure_core_classifies_hostile_input_with_its_code(
    name: str, forge: Forge, pki: TestPki, now: dt.datetime
) -> None:
    case = CASES[name]
    sample = case.build(forge)
    if case.stage is Stage.HEADER:
        with pytest.raises(CertificateError) as refused:
            decode_forwarded_certificate(sample.header)
        assert refused.value.reason is case.reason, refused.value
        return

    certificate = decode_forwarded_certificate(sample.header)
    store = TrustStore([pki.root.certificate], [*(c.certificate for c in pki.intermediates), *sample.pool])
    validator = CertificateValidator(trust=store)
    if case.stage is Stage.MEMBER:
        # A valid certificate: the login view's refusal comes from the membership, never from the name.
        assert validator.validate(certificate, at=now).identity.cpf != CPF
        return
    with pytest.raises(CertificateError) as refused:
        validator.validate(certificate, at=now)
    assert refused.value.reason is case.reason, refused.value
    assert refused.value.facts is not None, "every refusal carries the facts of the leaf (for the audit)"
    assert refused.value.facts.fingerprint_sha256 == certificate.fingerprint(hashes.SHA256()).hex()
