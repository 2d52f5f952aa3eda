"""The login challenge and its lifecycle (pure): bound to one session, five minutes, single use; and PKCE."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from certauth.icp.errors import Reason
from cloudauth.psc.challenge import (
    ChallengeState,
    LoginChallenge,
    binding_digest,
    check_usable,
    new_nonce,
)
from cloudauth.psc.errors import PscError
from cloudauth.psc.pkce import new_verifier, s256_challenge

NOW = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)
BINDING = "valor-da-sessao"


def state(*, expires_in: float = 300, used: bool = False, binding: str = BINDING) -> ChallengeState:
    return ChallengeState(binding_digest(binding), NOW + dt.timedelta(seconds=expires_in), NOW if used else None)


def reason_of(challenge_state: ChallengeState | None, *, binding: str | None = BINDING, now: dt.datetime = NOW):
    with pytest.raises(PscError) as caught:
        check_usable(challenge_state, binding=binding, now=now)
    return caught.value.reason


def test_own_unused_unexpired_challenge_is_usable():
    check_usable(state(), binding=BINDING, now=NOW)


def test_challenge_expires_at_its_deadline():
    assert reason_of(state(expires_in=0)) is Reason.CLOUD_EXPIRED
    check_usable(state(expires_in=0.001), binding=BINDING, now=NOW)


def test_used_challenge_is_invalid_even_before_expiry():
    assert reason_of(state(used=True)) is Reason.CLOUD_CHALLENGE_INVALID


def test_another_sessions_challenge_is_invalid_not_expired():
    assert reason_of(state(binding="outra", expires_in=-60)) is Reason.CLOUD_CHALLENGE_INVALID


@pytest.mark.parametrize("binding", [None, ""])
def test_a_session_without_binding_cannot_use_any_challenge(binding):
    assert reason_of(state(), binding=binding) is Reason.CLOUD_CHALLENGE_INVALID


def test_unknown_challenge_is_invalid():
    assert reason_of(None) is Reason.CLOUD_CHALLENGE_INVALID


def test_store_keeps_only_a_digest_of_the_binding():
    assert binding_digest(BINDING) == hashlib.sha256(BINDING.encode()).hexdigest()
    assert BINDING not in binding_digest(BINDING)


def test_challenge_text_names_the_portal_psc_cpf_nonce_and_instant():
    challenge = LoginChallenge("vidaas", "52601815906", "ab" * 16, NOW)
    assert challenge.text == f"LOGIN|portal-a3-inss|vidaas|52601815906|{'ab' * 16}|2026-12-06T15:00:00Z"
    assert challenge.digest == hashlib.sha256(challenge.text.encode()).digest()


def test_confirmation_code_is_four_unambiguous_characters_shown_in_the_description():
    challenge = LoginChallenge("vidaas", "52601815906", new_nonce(), NOW)
    code = challenge.confirmation_code
    assert len(code) == 4 and not set(code) & set("ILOU")
    assert f"código {code}" in challenge.description
    assert "não é assinatura de documento" in challenge.description


def test_nonces_are_128_bits_and_fresh():
    nonces = {new_nonce() for _ in range(100)}
    assert len(nonces) == 100 and all(len(n) == 32 for n in nonces)


def test_s256_matches_rfc_7636_appendix_b():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_within_rfc_7636_length_and_alphabet():
    verifier = new_verifier()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
