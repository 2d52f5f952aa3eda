"""The gateway's identity headers: what the portal signs verifies at the upstream, and nothing else does."""

from __future__ import annotations

import pytest

from oidc.gateway_signature import (
    SIGNATURE_HEADER,
    GatewaySignatureError,
    encode,
    encode_list,
    request_target,
    sign,
    verify,
)

SECRET = "segredo-compartilhado-com-o-sistema-legado"
NOW = 1_760_000_000


def signed(method: str = "GET", uri: str = "/legado/?aba=1", **overrides: str) -> dict[str, str]:
    headers = {
        "X-A3-CPF": "52601815906",
        "X-A3-Name": encode("José da Silva Ávila"),
        "X-A3-Entity": encode("OAB/SP"),
        "X-A3-Entities": encode_list(["OAB/SP", "PREF,3550308"]),
        "X-A3-Method": "x509_token",
        "X-A3-Assurance": "urn:inss:a3:acr:a3",
        "X-A3-Auth-Time": str(NOW - 600),
        "X-A3-Session": "0f" * 16,
        "X-A3-Timestamp": str(NOW),
    }
    headers[SIGNATURE_HEADER] = sign(SECRET, method=method, uri=uri, headers=headers)
    headers.update(overrides)
    return headers


def test_a_signed_set_verifies_and_decodes_the_identity():
    identity = verify(SECRET, method="GET", uri="/legado/?aba=1", headers=signed(), now=NOW + 5)
    assert identity.cpf == "52601815906"
    assert identity.name == "José da Silva Ávila"
    assert identity.entity == "OAB/SP"
    assert identity.entities == ("OAB/SP", "PREF,3550308")
    assert (identity.method, identity.assurance, identity.certificate) == ("x509_token", "urn:inss:a3:acr:a3", True)
    assert identity.auth_time == NOW - 600


def test_header_names_are_matched_whatever_their_case():
    lower = {name.lower(): value for name, value in signed().items()}
    assert verify(SECRET, method="get", uri="/legado/?aba=1", headers=lower, now=NOW).cpf == "52601815906"


@pytest.mark.parametrize(
    "change",
    [
        {"X-A3-CPF": "11144477735"},
        {"X-A3-Name": encode("Outra Pessoa")},
        {"X-A3-Entity": encode("PREF,3550308")},
        {"X-A3-Entities": encode_list(["OAB/SP", "OAB/RJ"])},
        {"X-A3-Method": "x509_vidaas"},
        {"X-A3-Assurance": "urn:inss:a3:acr:senha"},
        {"X-A3-Session": "aa" * 16},
        {"X-A3-Timestamp": str(NOW + 30)},
    ],
)
def test_a_changed_header_fails(change):
    with pytest.raises(GatewaySignatureError, match="bad signature"):
        verify(SECRET, method="GET", uri="/legado/?aba=1", headers=signed(**change), now=NOW)


def test_a_set_replayed_on_another_url_or_method_fails():
    headers = signed()
    for method, uri in (("GET", "/legado/admin"), ("GET", "/legado/?aba=2"), ("POST", "/legado/?aba=1")):
        with pytest.raises(GatewaySignatureError, match="bad signature"):
            verify(SECRET, method=method, uri=uri, headers=headers, now=NOW)


def test_a_set_older_than_a_minute_fails_even_on_its_own_url():
    headers = signed()
    assert verify(SECRET, method="GET", uri="/legado/?aba=1", headers=headers, now=NOW + 60)
    with pytest.raises(GatewaySignatureError, match="stale"):
        verify(SECRET, method="GET", uri="/legado/?aba=1", headers=headers, now=NOW + 61)
    with pytest.raises(GatewaySignatureError, match="stale"):
        verify(SECRET, method="GET", uri="/legado/?aba=1", headers=headers, now=NOW - 61)


def test_a_forgery_with_another_secret_fails_and_rotation_accepts_either_key():
    forged = signed()
    forged[SIGNATURE_HEADER] = sign("segredo-adivinhado", method="GET", uri="/legado/?aba=1", headers=forged)
    with pytest.raises(GatewaySignatureError, match="bad signature"):
        verify(SECRET, method="GET", uri="/legado/?aba=1", headers=forged, now=NOW)
    assert verify(["novo-segredo", SECRET], method="GET", uri="/legado/?aba=1", headers=signed(), now=NOW)


@pytest.mark.parametrize("missing", ["X-A3-CPF", "X-A3-Timestamp", SIGNATURE_HEADER])
def test_a_missing_header_fails(missing):
    headers = signed()
    del headers[missing]
    with pytest.raises(GatewaySignatureError):
        verify(SECRET, method="GET", uri="/legado/?aba=1", headers=headers, now=NOW)


def test_without_a_secret_nothing_verifies():
    with pytest.raises(GatewaySignatureError, match="no gateway secret"):
        verify("", method="GET", uri="/legado/?aba=1", headers=signed(), now=NOW)
    with pytest.raises(GatewaySignatureError, match="no gateway secret"):
        sign("", method="GET", uri="/", headers={})


def test_a_line_break_cannot_shift_one_value_into_another():
    headers = signed()
    headers["X-A3-Name"] = "x\nx-a3-cpf:11144477735"
    with pytest.raises(GatewaySignatureError, match="line break"):
        sign(SECRET, method="GET", uri="/", headers=headers)


def test_the_request_target_is_the_raw_uri_or_rebuilt_from_the_path():
    assert request_target({"RAW_URI": "/legado/a%20b?x=%C3%A9"}) == "/legado/a%20b?x=%C3%A9"
    assert request_target({"PATH_INFO": "/a b", "SCRIPT_NAME": "/legado", "QUERY_STRING": "x=1"}) == "/legado/a%20b?x=1"
    assert request_target({"PATH_INFO": "/legado/"}) == "/legado/"
