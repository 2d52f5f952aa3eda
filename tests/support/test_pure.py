"""The lookup's pure parts: reading a typed reference, the diagnosis per code, the certificate's type and chain."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from certauth.icp.errors import Reason
from support import diagnosis, reference
from support.certificate import certificate_type, issuer_chain
from support.masking import mask_email

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "typed",
    ["7KQ2M-9XD3F", "7kq2m-9xd3f", " 7KQ2M 9XD3F ", "7KQ2M9XD3F", "7kq2m – 9xd3f", "7 K Q 2 M - 9 X D 3 F"],
)
def test_a_reference_is_read_whatever_its_case_spaces_and_dashes(typed: str) -> None:
    assert reference.normalize(typed) == "7KQ2M-9XD3F"


def test_letters_misread_for_digits_are_read_as_crockford_does() -> None:
    assert reference.normalize("OKQ2M-IXDLF") == "0KQ2M-1XD1F"


@pytest.mark.parametrize("typed", ["", "7KQ2M-9XD3", "7KQ2M-9XD3FF", "7KQ2U-9XD3F", "7KQ2M-9XD3!", "x" * 200])
def test_text_that_cannot_be_a_reference_is_refused(typed: str) -> None:
    assert reference.normalize(typed) is None


def test_every_error_code_has_a_diagnosis_and_an_answer() -> None:
    assert {r.value for r in Reason} <= diagnosis.known_codes()
    for code in Reason:
        found = diagnosis.diagnose(diagnosis.Facts(code=code.value, accepted=False), now=NOW)
        assert found.title and found.explanation and found.answer
        assert not found.title.startswith("Código"), code


def test_an_a1_certificate_is_answered_with_where_to_buy_an_a3() -> None:
    found = diagnosis.diagnose(
        diagnosis.Facts(
            code="CERT_NOT_A3",
            accepted=False,
            certificate_type="A1",
            member_known_now=True,
            member_active_now=True,
            active_entities_now=1,
        ),
        now=NOW,
    )
    assert found.answer.startswith("Certificado A1: adquira um certificado A3")
    assert "numa Autoridade de Registro (AR) credenciada pelo ITI (listaars.iti.gov.br)" in found.answer


def test_an_unknown_code_is_sent_to_the_technical_team() -> None:
    found = diagnosis.diagnose(diagnosis.Facts(code="NOVO_CODIGO", accepted=False), now=NOW)
    assert "NOVO_CODIGO" in found.title and "equipe técnica" in found.answer


def test_the_diagnosis_says_what_changed_since_the_attempt() -> None:
    registered_since = diagnosis.diagnose(
        diagnosis.Facts(
            code="MEMBER_UNKNOWN", accepted=False, member_known_now=True, member_active_now=True, active_entities_now=1
        ),
        now=NOW,
    )
    assert any("basta tentar de novo" in note for note in registered_since.since)
    revoked_since = diagnosis.diagnose(
        diagnosis.Facts(
            code="",
            accepted=True,
            revoked_now=True,
            member_known_now=True,
            member_active_now=True,
            active_entities_now=1,
            not_after=NOW - dt.timedelta(days=2),
        ),
        now=NOW,
    )
    assert any("revogado" in note for note in revoked_since.since)
    assert any("venceu em 05/12/2026" in note for note in revoked_since.since)
    password_ended = diagnosis.diagnose(
        diagnosis.Facts(
            code="PASSWORD_INVALID",
            accepted=False,
            method="password",
            member_known_now=True,
            member_active_now=True,
            active_entities_now=1,
            password_allowed_now=False,
            cutover_at=dt.datetime(2024, 5, 17, 3, 0, tzinfo=dt.UTC),
        ),
        now=NOW,
    )
    assert any("encerrado desde 17/05/2024" in note for note in password_ended.since)


def test_the_type_comes_from_the_policy_or_from_the_refusal_detail() -> None:
    assert certificate_type("2.16.76.1.2.3.28") == "A3"
    assert certificate_type("2.16.76.1.2.4.1") == "A4"
    assert certificate_type("", "O certificado é do tipo A1, pela sua política de certificação; ...") == "A1"
    assert certificate_type("", "Certificado vencido.") == ""


def test_the_issuer_chain_is_found_by_name_up_to_the_root(pki) -> None:
    issued = pki.issue(pki_person(), pki.final)
    chain = issuer_chain(
        issued.certificate.issuer.rfc4514_string(), (*(c.certificate for c in pki.intermediates), pki.root.certificate)
    )
    assert [link.name for link in chain] == ["AC Teste Final", "AC Teste Nivel 1", "AC Raiz Teste A3"]
    assert chain[-1].root and not chain[0].root
    assert issuer_chain("CN=AC desconhecida", (pki.root.certificate,)) == ()


def test_an_email_is_shortened() -> None:
    assert mask_email("maria.souza@oabsp.org.br") == "m***@oabsp.org.br"
    assert mask_email("") == ""


def test_the_pure_modules_import_no_django() -> None:
    code = (
        "import sys; import support.reference, support.diagnosis, support.masking, support.certificate; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def pki_person():
    from certauth.icp.builder import PersonSpec

    return PersonSpec("MARIA DA SILVA", "52601815906")
