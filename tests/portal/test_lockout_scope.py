"""django-axes guards the legacy password only: a certificate login never touches its tables (issue 18: two queries
and ~20% of a login's CPU), and never unlocks a CPF whose password is being guessed."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db


def test_a_certificate_login_makes_no_query_to_the_lockout_tables(login_with, member_factory):
    member_factory(LAWYER.cpf, oab=LAWYER.oab)
    with CaptureQueriesContext(connection) as queries:
        assert login_with(LAWYER).status_code == 302
    assert [q["sql"] for q in queries if "axes_" in q["sql"]] == []


def test_a_certificate_login_leaves_a_cpfs_password_lockout_in_place(login_with, member_factory):
    member_factory(LAWYER.cpf, oab=LAWYER.oab)
    AccessAttempt.objects.create(
        username=LAWYER.cpf,
        ip_address="203.0.113.7",
        user_agent="guesser",
        http_accept="*/*",
        path_info="/entrar/senha/",
        attempt_time=dt.datetime.now(dt.UTC),
        failures_since_start=5,
    )
    assert login_with(LAWYER).status_code == 302
    assert AccessAttempt.objects.filter(username=LAWYER.cpf, failures_since_start=5).exists(), (
        "the certificate holder's login is no proof that the password guesser is gone"
    )
