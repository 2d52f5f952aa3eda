"""The claims rule, without Django or the OpenID library."""

from __future__ import annotations

import datetime as dt

import pytest

from oidc.claims import Assurance, Entity, MemberFacts, SessionFacts, claims, released

LOGIN = dt.datetime(2026, 12, 7, 13, 0, tzinfo=dt.UTC)
OAB_SP = Entity(code="OAB-SP", name="OAB São Paulo", kind="oab", uf="SP")
MEMBER = MemberFacts(
    cpf="52601815906", name="Maria", email="m@example.org", entity=OAB_SP, entities=[OAB_SP], oab=[("123456", "SP")]
)


@pytest.mark.parametrize(
    ("facts", "amr", "acr"),
    [
        (
            SessionFacts(method="certificate", logged_in_at=LOGIN, certificate_type="A3"),
            ["x509", "x509_token"],
            Assurance.A3,
        ),
        (
            SessionFacts(method="certificate", logged_in_at=LOGIN, certificate_type="A4"),
            ["x509", "x509_token"],
            Assurance.A4,
        ),
        (
            SessionFacts(method="cloud", logged_in_at=LOGIN, provider="vidaas", certificate_type="A3"),
            ["x509", "x509_vidaas"],
            Assurance.A3,
        ),
        (SessionFacts(method="password", logged_in_at=LOGIN), ["passwd"], Assurance.PASSWORD),
    ],
)
def test_amr_and_acr_name_the_login_method_in_gov_br_terms(facts: SessionFacts, amr: list[str], acr: Assurance) -> None:
    result = claims(MEMBER, facts, sid="s")
    assert result["amr"] == amr
    assert result["acr"] == str(acr)
    assert result["sub"] == "52601815906"
    assert result["auth_time"] == int(LOGIN.timestamp())


def test_an_e_cnpj_adds_cnpj_and_a_certificate_never_says_when_password_access_ends() -> None:
    facts = SessionFacts(method="certificate", logged_in_at=LOGIN, certificate_type="A3", cnpj="11222333000181")
    result = claims(MEMBER, facts, sid="s")
    assert result["cnpj"] == "11222333000181"
    assert "password_access_until" not in result


def test_a_password_session_has_no_certificate_claims_and_says_when_password_access_ends() -> None:
    until = dt.datetime(2024, 7, 1, 3, 0, tzinfo=dt.UTC)
    result = claims(MEMBER, SessionFacts(method="password", logged_in_at=LOGIN, password_until=until), sid="s")
    assert result["password_access_until"] == "2024-07-01T00:00:00-03:00"
    assert "certificate" not in result and "cnpj" not in result


def test_scopes_release_only_their_claims() -> None:
    facts = SessionFacts(method="certificate", logged_in_at=LOGIN, certificate_type="A3", serial_hex="0A")
    everything = claims(MEMBER, facts, sid="s")
    assert set(released(everything, ["openid"])) == {"sub", "amr", "acr", "sid", "auth_time"}
    assert "entity" in released(everything, ["openid", "entidade"])
    assert "certificate" not in released(everything, ["openid", "entidade"])
    assert released(everything, ["openid", "certificado"])["certificate"]["serial"] == "0A"


def test_session_facts_survive_their_json_round_trip() -> None:
    facts = SessionFacts(method="cloud", logged_in_at=LOGIN, provider="birdid", not_after=LOGIN, password_until=None)
    assert SessionFacts.from_json(facts.to_json()) == facts
