"""The login's prepared statements write exactly what the ORM would, and only for models nothing listens to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save, pre_save

from certauth.models import LoginAttempt
from certauth.statements import Insert, Update
from portal.models import Member, PortalSession, User

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=dt.UTC)
VALUES = dict(
    created_at=AT,
    method="certificate",
    provider="",
    outcome="accepted",
    code="",
    detail="A3 · AC Raiz → AC Final",
    cpf="52601815906",
    holder_name="MARIA APARECIDA SOUZA",
    organization_code="OAB-SP",
    organization_name="OAB — Seção São Paulo",
    cert_serial="0a1b2c",
    cert_subject="CN=MARIA APARECIDA SOUZA:52601815906,O=ICP-Brasil,C=BR",
    cert_issuer="CN=AC Demo OAB,O=ICP-Brasil,C=BR",
    cert_fingerprint="f" * 64,
    cert_not_after=AT + dt.timedelta(days=1000),
    cert_policy="2.16.76.1.2.3.1",
    ip="2001:0db8:0000:0000:0000:0000:0000:0001",
    user_agent="Mozilla/5.0",
    revocation_status="good",
    proxy_request_id="abc",
    proxy_verify="SUCCESS",
)


def columns(row: LoginAttempt) -> dict[str, object]:
    return {f.attname: getattr(row, f.attname) for f in LoginAttempt._meta.concrete_fields if not f.primary_key}


def test_an_insert_writes_the_row_the_orm_would_write():
    by_orm = LoginAttempt.objects.create(reference="ORM00-00001", **VALUES)
    assert Insert(LoginAttempt).execute({"reference": "SQL00-00001", **VALUES}) == 1
    orm_row = columns(LoginAttempt.objects.get(pk=by_orm.pk))
    sql_row = columns(LoginAttempt.objects.get(reference="SQL00-00001"))
    assert {**orm_row, "reference": "SQL00-00001"} == sql_row
    assert sql_row["ip"] == "2001:db8::1", "values go through the field's own conversion"


def test_missing_values_take_the_fields_defaults():
    Insert(LoginAttempt).execute({"reference": "DEF00-00001", "method": "password", "outcome": "rejected"})
    row = LoginAttempt.objects.get(reference="DEF00-00001")
    assert (row.detail, row.user_id, row.revoked_at) == ("", None, None)
    assert row.created_at is not None


def test_an_unknown_column_is_an_error_not_silently_dropped():
    with pytest.raises(TypeError, match="no column for user"):
        Insert(LoginAttempt).execute({"reference": "X", "user": object()})


def test_a_taken_unique_value_inserts_nothing_and_leaves_the_transaction_usable():
    insert = Insert(LoginAttempt, skip_conflicts_on="reference")
    with transaction.atomic():
        assert insert.execute({"reference": "DUP00-00001", **VALUES}) == 1
        assert insert.execute({"reference": "DUP00-00001", **VALUES, "cpf": "11144477735"}) == 0
        assert LoginAttempt.objects.filter(reference="DUP00-00001").count() == 1  # still usable
    assert LoginAttempt.objects.get(reference="DUP00-00001").cpf == "52601815906", "the first row is untouched"


@pytest.mark.parametrize("model", [LoginAttempt, PortalSession], ids=lambda m: m.__name__)
@pytest.mark.parametrize("signal", [pre_save, post_save], ids=["pre_save", "post_save"])
def test_nothing_listens_to_the_saves_of_the_models_written_by_prepared_statements(signal, model):
    """The statements send no signals: a receiver added to one of these models would be skipped on every login
    (the audit row in certauth.audit, the session's first row in portal.sessions)."""
    assert not signal.has_listeners(model)


# ---------------------------------------------------------------------------------------------- Update

#: The certificate login's UPDATE (portal.services): the last login and the certificate's expiry move, the first A3
#: login is kept once set.
LOGIN_DATES = Update(
    Member,
    fields=("last_certificate_login_at", "certificate_not_after"),
    keep_first=("first_a3_login_at",),
    where=("user",),
)
NOT_AFTER = AT + dt.timedelta(days=700)


def member_with_account(cpf: str, **dates: dt.datetime) -> Member:
    user = User.objects.create(username=cpf)
    return Member.objects.create(cpf=cpf, name=f"Membro {cpf}", user=user, **dates)


def member_columns(member: Member) -> dict[str, object]:
    row = Member.objects.get(pk=member.pk)
    return {
        f.attname: getattr(row, f.attname)
        for f in Member._meta.concrete_fields
        if f.attname not in ("id", "cpf", "name", "user_id", "created_at")
    }


@pytest.mark.parametrize(
    "before",
    [{}, {"first_a3_login_at": AT - dt.timedelta(days=30), "last_certificate_login_at": AT - dt.timedelta(days=2)}],
    ids=["first A3 login", "a later one"],
)
def test_an_update_writes_what_the_orm_would_write(before):
    by_orm, by_sql = member_with_account("52601815906", **before), member_with_account("11144477735", **before)
    Member.objects.filter(user_id=by_orm.user_id).update(
        last_certificate_login_at=AT,
        certificate_not_after=NOT_AFTER,
        first_a3_login_at=Coalesce(F("first_a3_login_at"), Value(AT)),
    )
    values = {"last_certificate_login_at": AT, "certificate_not_after": NOT_AFTER, "first_a3_login_at": AT}
    assert LOGIN_DATES.execute(values, where={"user_id": by_sql.user_id}) == 1
    assert member_columns(by_sql) == member_columns(by_orm)
    assert member_columns(by_sql)["first_a3_login_at"] == before.get("first_a3_login_at", AT), "the first is kept"
    assert member_columns(by_sql)["last_certificate_login_at"] == AT, "the last moves"


def test_an_update_changes_only_the_rows_its_where_names():
    chosen, other = member_with_account("52601815906"), member_with_account("11144477735")
    values = {"last_certificate_login_at": AT, "certificate_not_after": None, "first_a3_login_at": AT}
    assert LOGIN_DATES.execute(values, where={"user_id": chosen.user_id}) == 1
    assert Member.objects.get(pk=other.pk).last_certificate_login_at is None
    assert LOGIN_DATES.execute(values, where={"user_id": other.user_id + chosen.user_id}) == 0, "no such row"


def test_an_update_refuses_a_missing_or_unknown_value_instead_of_guessing():
    values = {"last_certificate_login_at": AT, "certificate_not_after": None, "first_a3_login_at": AT}
    with pytest.raises(TypeError, match="missing certificate_not_after"):
        LOGIN_DATES.execute({k: v for k, v in values.items() if k != "certificate_not_after"}, where={"user_id": 1})
    with pytest.raises(TypeError, match="no column for name"):
        LOGIN_DATES.execute({**values, "name": "X"}, where={"user_id": 1})
    with pytest.raises(TypeError, match="missing user_id"):
        LOGIN_DATES.execute(values, where={})
