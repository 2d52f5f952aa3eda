"""certauth.icp.revocation.decide: revoked, unknown (fail closed or soft-fail) or good, at one instant (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from certauth.icp.errors import CertificateError, Reason
from certauth.icp.revocation import (
    REASON_NAMES,
    HeldCrl,
    Revocation,
    RevocationOutcome,
    RevocationPolicy,
    RevocationStatus,
    decide,
)

UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SUBJECT = "O certificado"  #: as the revocation checker names a leaf
#: 15/05/2024 12:00 UTC = 09:00 in Brasília (UTC−3, no daylight saving since 2019).
AT = dt.datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
FAIL_CLOSED = RevocationPolicy()
SOFT_FAIL = RevocationPolicy(soft_fail=True)


def fresh(number: int | None = 42) -> HeldCrl:
    return HeldCrl(number=number, this_update=AT - 2 * HOUR, next_update=AT + 5 * DAY)


def stale() -> HeldCrl:
    return HeldCrl(number=41, this_update=AT - 10 * DAY, next_update=AT - 3 * DAY)


def run(held: HeldCrl | None, revocation: Revocation | None = None, *, at=AT, policy=FAIL_CLOSED):
    return decide(subject=SUBJECT, held=held, revocation=revocation, at=at, policy=policy)


def refused(reason: Reason, held: HeldCrl | None, revocation: Revocation | None = None, **kwargs) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        run(held, revocation, **kwargs)
    assert exc.value.reason is reason, exc.value
    return exc.value


# --- revoked -----------------------------------------------------------------------------------------------------


def test_a_listed_serial_is_revoked_with_brasilia_date_and_reason() -> None:
    # 02:30 UTC on 10/03 is still 09/03 in Brasília: the date shown must be the Brasília one.
    revocation = Revocation(dt.datetime(2024, 3, 10, 2, 30, 59, tzinfo=UTC), "keyCompromise")
    error = refused(Reason.CERT_REVOKED, fresh(), revocation)
    assert error.detail == "O certificado foi revogado em 09/03/2024 23:30 (motivo: comprometimento da chave)."
    assert error.revocation is revocation
    assert str(error) == f"CERT_REVOKED: {error.detail}"


def test_every_reason_has_a_portuguese_name_in_the_detail() -> None:
    for code, name in REASON_NAMES.items():
        error = refused(Reason.CERT_REVOKED, fresh(), Revocation(AT - DAY, code))
        assert error.detail.endswith(f"(motivo: {name}).")
        assert code not in error.detail


@pytest.mark.parametrize(("reason", "shown"), [("", "não informado"), ("someFutureReason", "someFutureReason")])
def test_absent_or_unknown_reason_codes_are_shown_plainly(reason, shown) -> None:
    error = refused(Reason.CERT_REVOKED, fresh(), Revocation(AT - DAY, reason))
    assert error.detail.endswith(f"(motivo: {shown}).")


def test_listed_on_a_stale_crl_is_still_revoked() -> None:
    refused(Reason.CERT_REVOCATION_UNKNOWN, stale())  # sanity: this CRL alone would not let anyone through
    revocation = Revocation(AT - 20 * DAY, "superseded")
    for policy in (FAIL_CLOSED, SOFT_FAIL):
        error = refused(Reason.CERT_REVOKED, stale(), revocation, policy=policy)
        assert error.revocation is revocation


def test_soft_fail_never_hides_a_revocation() -> None:
    revocation = Revocation(AT - DAY, "keyCompromise")
    assert run(None, policy=SOFT_FAIL).status is RevocationStatus.SOFT_FAIL  # sanity: soft-fail is on
    refused(Reason.CERT_REVOKED, None, revocation, policy=SOFT_FAIL)


def test_revocation_at_the_instant_itself_counts() -> None:
    refused(Reason.CERT_REVOKED, fresh(), Revocation(AT, "keyCompromise"))


def test_revocation_dated_after_the_instant_is_not_a_revocation_then() -> None:
    revocation = Revocation(AT + SECOND, "keyCompromise")
    refused(Reason.CERT_REVOKED, fresh(), revocation, at=AT + SECOND)  # sanity: from that instant on, it is
    outcome = run(fresh(), revocation)
    assert outcome.status is RevocationStatus.GOOD
    # …and it is then judged like any other certificate: without a fresh CRL, unknown.
    refused(Reason.CERT_REVOCATION_UNKNOWN, stale(), revocation)


# --- unknown: fail closed or soft-fail ---------------------------------------------------------------------------


def test_without_a_crl_revocation_is_unknown_and_the_login_fails_closed() -> None:
    error = refused(Reason.CERT_REVOCATION_UNKNOWN, None)
    assert error.detail == (
        "Não foi possível verificar se o certificado foi revogado: nenhuma lista de certificados revogados (LCR) "
        "da autoridade certificadora emissora está disponível."
    )
    assert error.revocation is None


def test_without_a_crl_soft_fail_lets_through_and_says_why() -> None:
    outcome = run(None, policy=SOFT_FAIL)
    assert outcome == RevocationOutcome(
        RevocationStatus.SOFT_FAIL,
        "Aceito sem verificação de revogação: nenhuma lista de certificados revogados (LCR) da autoridade "
        "certificadora emissora está disponível.",
    )


def test_a_stale_crl_is_unknown_and_soft_fail_says_when_it_expired() -> None:
    # next_update = 12/05/2024 12:00 UTC = 09:00 in Brasília
    error = refused(Reason.CERT_REVOCATION_UNKNOWN, stale())
    assert error.detail == (
        "Não foi possível verificar se o certificado foi revogado: a lista de certificados revogados (LCR) "
        "disponível expirou em 12/05/2024 09:00:00."
    )
    outcome = run(stale(), policy=SOFT_FAIL)
    assert outcome.status is RevocationStatus.SOFT_FAIL
    assert outcome.detail == (
        "Aceito sem verificação de revogação: a lista de certificados revogados (LCR) disponível expirou em "
        "12/05/2024 09:00:00."
    )


def test_a_crl_from_the_future_is_unknown() -> None:
    future = HeldCrl(number=43, this_update=AT + 30 * DAY, next_update=AT + 37 * DAY)
    error = refused(Reason.CERT_REVOCATION_UNKNOWN, future)
    assert error.detail == (
        "Não foi possível verificar se o certificado foi revogado: a lista de certificados revogados (LCR) "
        "disponível só vale a partir de 14/06/2024 09:00:00."
    )
    assert run(future, policy=SOFT_FAIL).status is RevocationStatus.SOFT_FAIL
    assert run(future, at=AT + 30 * DAY).status is RevocationStatus.GOOD  # sanity: once issued, it is good


def test_this_update_tolerates_five_minutes_of_clock_skew() -> None:
    ahead = HeldCrl(number=1, this_update=AT + dt.timedelta(minutes=5), next_update=AT + DAY)
    assert run(ahead).status is RevocationStatus.GOOD
    too_far = HeldCrl(number=1, this_update=AT + dt.timedelta(minutes=5) + SECOND, next_update=AT + DAY)
    refused(Reason.CERT_REVOCATION_UNKNOWN, too_far)


# --- good --------------------------------------------------------------------------------------------------------


def test_a_fresh_crl_gives_good_with_its_number_and_date() -> None:
    # this_update = 15/05/2024 10:00 UTC = 07:00 in Brasília
    assert run(fresh()) == RevocationOutcome(RevocationStatus.GOOD, "LCR nº 42 de 15/05/2024 07:00:00")


def test_a_fresh_crl_without_number() -> None:
    assert run(fresh(number=None)) == RevocationOutcome(RevocationStatus.GOOD, "LCR sem número de 15/05/2024 07:00:00")


def test_soft_fail_does_not_change_a_good_outcome() -> None:
    assert run(fresh(), policy=SOFT_FAIL) == run(fresh())


def test_next_update_none_is_fresh() -> None:
    held = HeldCrl(number=7, this_update=AT - 400 * DAY, next_update=None)
    assert run(held, at=AT).status is RevocationStatus.GOOD
    assert run(held, at=AT + 4000 * DAY).status is RevocationStatus.GOOD


@pytest.mark.parametrize("grace", [dt.timedelta(0), HOUR, 3 * DAY])
def test_grace_after_next_update_boundary(grace) -> None:
    next_update = AT - DAY
    held = HeldCrl(number=9, this_update=next_update - 7 * DAY, next_update=next_update)
    policy = RevocationPolicy(grace=grace)

    assert run(held, at=next_update, policy=policy).status is RevocationStatus.GOOD
    assert run(held, at=next_update + grace, policy=policy).status is RevocationStatus.GOOD
    error = refused(Reason.CERT_REVOCATION_UNKNOWN, held, at=next_update + grace + SECOND, policy=policy)
    assert "expirou em" in error.detail
    soft = RevocationPolicy(grace=grace, soft_fail=True)
    assert run(held, at=next_update + grace + SECOND, policy=soft).status is RevocationStatus.SOFT_FAIL


def test_default_grace_is_one_hour() -> None:
    assert RevocationPolicy().grace == HOUR
    held = HeldCrl(number=9, this_update=AT - 8 * DAY, next_update=AT - HOUR)
    assert run(held).status is RevocationStatus.GOOD
    refused(Reason.CERT_REVOCATION_UNKNOWN, held, at=AT + SECOND)
