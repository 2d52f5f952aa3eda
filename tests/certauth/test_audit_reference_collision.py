"""An attempt's reference is 50 random bits: two attempts may draw the same one. The second is then recorded under a
fresh reference — its row is never lost, the first row never touched — and that fresh reference is the one its page
shows (a refusal) or its session carries (an acceptance), so support finds the right row."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from certauth import audit, metrics
from certauth.exceptions import AuditUnavailable, LoginRejected
from certauth.icp.errors import Reason
from certauth.models import LoginAttempt, Outcome
from certauth.sessions import SESSION_KEY
from tests.conftest import LAWYER

FIRST, FRESH = "AAAAA-AAAAA", "BBBBB-BBBBB"


@pytest.fixture
def references(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``new_reference`` draws from this list (in order): a test makes two attempts draw the same one."""
    drawn: list[str] = []

    def draw() -> str:
        assert drawn, "more references drawn than the test planned"
        return drawn.pop(0)

    monkeypatch.setattr(audit, "new_reference", draw)
    return drawn


def counted(outcome: str, method: str, code: str) -> float:
    return metrics.ATTEMPTS.labels(outcome=outcome, method=method, code=code or "-")._value.get()


def test_a_refused_login_whose_reference_is_taken_is_recorded_under_a_fresh_one(login_with, references):
    references.extend([FIRST, FIRST, FRESH])
    first = login_with(LAWYER)  # nobody registered: MEMBER_UNKNOWN
    before = counted(Outcome.REJECTED, "certificate", Reason.MEMBER_UNKNOWN.value)

    second = login_with(LAWYER)

    assert (first["X-Reference"], second["X-Reference"]) == (FIRST, FRESH)
    assert FRESH in second.content.decode() and FIRST not in second.content.decode()
    rows = {r.reference: r for r in LoginAttempt.objects.all()}
    assert set(rows) == {FIRST, FRESH}
    assert rows[FRESH].code == rows[FIRST].code == Reason.MEMBER_UNKNOWN.value
    assert rows[FRESH].created_at > rows[FIRST].created_at  # the second attempt's own row, not the first one again
    assert counted(Outcome.REJECTED, "certificate", Reason.MEMBER_UNKNOWN.value) == before + 1


def test_an_accepted_login_whose_reference_is_taken_carries_the_fresh_one_in_its_session(
    login_with, member_factory, references
):
    member_factory(oab="123456SP")
    references.extend([FIRST, FIRST, FRESH])
    login_with(LAWYER)
    before = counted(Outcome.ACCEPTED, "certificate", "")

    second = login_with(LAWYER)

    assert second.status_code == 302
    assert second.wsgi_request.session[SESSION_KEY]["reference"] == FRESH
    assert sorted(LoginAttempt.objects.values_list("reference", "outcome")) == [
        (FIRST, Outcome.ACCEPTED),
        (FRESH, Outcome.ACCEPTED),
    ]
    assert counted(Outcome.ACCEPTED, "certificate", "") == before + 1


def attempt_context(reference: str) -> audit.AttemptContext:
    from django.utils import timezone

    return audit.AttemptContext(
        reference=reference,
        at=timezone.now(),
        method="certificate",
        ip="127.0.0.1",
        user_agent="",
        proxy_request_id="",
        proxy_verify="",
    )


@pytest.mark.django_db
def test_a_collision_whose_retry_fails_too_is_audit_unavailable(references, monkeypatch):
    references.extend([FIRST])
    audit.record_rejection(attempt_context(FIRST), LoginRejected(Reason.MEMBER_UNKNOWN, "x"))
    references.extend([FRESH])
    real_execute = audit._INSERT.execute

    def execute(values: dict[str, object], **kwargs: object) -> int:
        if values["reference"] == FRESH:
            raise DatabaseError("disk full")
        return real_execute(values, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit._INSERT, "execute", execute)
    with pytest.raises(AuditUnavailable):
        audit.record_acceptance(attempt_context(FIRST), None, user=None, cpf=LAWYER.cpf)
    assert list(LoginAttempt.objects.values_list("reference", flat=True)) == [FIRST]
