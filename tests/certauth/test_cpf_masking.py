"""No CPF in full on the pages users screenshot and send to support, nor in the sentences behind them.

ICP-Brasil certificate names carry the holder's CPF (``NOME:12345678909``, a subject ``serialNumber``): every
sentence that names a certificate goes through :func:`certauth.icp.names.display_name`, and the refusal page masks
whatever detail it is given once more. Walked over every case of the hostile corpus (whose leaves imitate a real
member, CPF included), through the real login view and through the pure core.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.test import Client, RequestFactory

from certauth.icp.errors import CertificateError, Reason
from certauth.icp.forwarded import decode_forwarded_certificate
from certauth.icp.names import display_name
from certauth.icp.numbers import mask_cpf, mask_cpfs
from certauth.icp.trust import TrustStore
from certauth.icp.validation import CertificateValidator
from certauth.models import LoginAttempt
from certauth.responses import rejection_response
from tests.certauth.hostile import CASES, CPF, MEMBER_OAB, Forge, Stage, case_names
from tests.certauth.test_hostile_corpus import forward
from tests.pki import TestPki, pem

pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")

#: What a person would read as a CPF: 11 digits, bare or punctuated, not inside a longer number or word.
UNMASKED_CPF = re.compile(r"(?<![0-9A-Za-z])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![0-9A-Za-z])")


class _VisibleText(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles (a CSP nonce may hold any digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def forge(pki: TestPki) -> Forge:
    return Forge(pki)


@pytest.fixture
def offer_pool(certauth_settings: Any, tmp_path: Any) -> Any:
    """The sample's extra intermediates join the portal's path-building pool (as in ``test_hostile_corpus``)."""

    def offer(sample: Any) -> None:
        if sample.pool:
            extra = tmp_path / "hostile-intermediates.pem"
            extra.write_text("".join(pem(certificate) for certificate in sample.pool))
            certauth_settings.CERTAUTH_INTERMEDIATES = [*certauth_settings.CERTAUTH_INTERMEDIATES, str(extra)]

    return offer


# --- the helpers themselves -------------------------------------------------------------------------------------


def test_control_the_checker_sees_a_cpf_bare_punctuated_or_in_a_name() -> None:
    for text in (f"MARIA DA SILVA:{CPF}", "526.018.159-06", f"2.5.4.5={CPF}", f"CPF {CPF}."):
        assert UNMASKED_CPF.search(visible_text(f"<p>{text}</p>")), text
    assert not UNMASKED_CPF.search(visible_text(f'<p data-x="{CPF}">nada</p><script>"{CPF}"</script>'))


def test_mask_cpfs_masks_every_cpf_in_a_sentence_and_leaves_other_numbers() -> None:
    sentence = f"MARIA:{CPF}, 526.018.159-06 e serialNumber={CPF}; CNPJ 11222333000181, série 0A{CPF}F, 2048 bits"
    masked = mask_cpfs(sentence)
    assert masked == (
        f"MARIA:{mask_cpf(CPF)}, {mask_cpf(CPF)} e serialNumber={mask_cpf(CPF)}; CNPJ 11222333000181, "
        f"série 0A{CPF}F, 2048 bits"
    )
    assert not UNMASKED_CPF.search(masked.replace("11222333000181", "").replace(f"0A{CPF}F", ""))


def test_display_name_of_an_icp_brasil_holder_masks_the_cpf() -> None:
    holder = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"HELENA MARTINS:{CPF}")])
    assert display_name(holder) == f"HELENA MARTINS:{mask_cpf(CPF)}"
    no_cn = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, CPF), x509.NameAttribute(NameOID.COUNTRY_NAME, "BR")])
    assert display_name(no_cn) == f"C=BR,2.5.4.5={mask_cpf(CPF)}"
    ac = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC Teste OAB")])
    assert display_name(ac) == "AC Teste OAB"


def test_refusal_page_masks_a_cpf_its_detail_carries(db: None) -> None:
    """The page's own guard, whatever a detail's author wrote (a PSC's message, an exception's text)."""
    request = RequestFactory().get("/entrar/certificado/", secure=True)
    response = rejection_response(
        request,
        Reason.CERT_UNTRUSTED,
        reference="7KQ2M-9XD3F",
        at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC),
        detail=f"Nenhuma cadeia a partir de HELENA MARTINS:{CPF}.",
    )
    text = visible_text(response.content.decode())
    assert f"HELENA MARTINS:{mask_cpf(CPF)}" in text
    assert not UNMASKED_CPF.search(text), text


# --- the hostile corpus -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", case_names())
def test_no_refusal_page_of_the_hostile_corpus_shows_a_cpf_in_full(
    name: str, forge: Forge, proxy_client: Client, member_factory: Any, offer_pool: Any
) -> None:
    case = CASES[name]
    sample = case.build(forge)
    offer_pool(sample)
    member_factory(CPF, oab=MEMBER_OAB)

    response = forward(proxy_client, sample)

    text = visible_text(response.content.decode())
    assert response.get("X-Error-Code") or case.known_wrong, f"{name}: not refused ({response.status_code})"
    assert not UNMASKED_CPF.search(text), f"{name}: {UNMASKED_CPF.findall(text)} in {text!r}"
    # and the audit row staff read keeps the CPF in its own column, not in the sentence
    for detail in LoginAttempt.objects.values_list("detail", flat=True):
        assert not UNMASKED_CPF.search(detail), f"{name}: audit detail {detail!r}"


@pytest.mark.parametrize("name", case_names(Stage.HEADER, Stage.CERTIFICATE))
def test_no_refusal_sentence_of_the_pure_core_carries_a_cpf_in_full(
    name: str, forge: Forge, pki: TestPki, now: dt.datetime
) -> None:
    case = CASES[name]
    sample = case.build(forge)
    store = TrustStore([pki.root.certificate], [*(c.certificate for c in pki.intermediates), *sample.pool])
    try:
        certificate = decode_forwarded_certificate(sample.header)
        CertificateValidator(trust=store).validate(certificate, at=now)
    except CertificateError as refused:
        assert not UNMASKED_CPF.search(refused.detail), f"{name}: {refused.detail!r}"
    else:
        assert case.known_wrong, f"{name}: accepted"
