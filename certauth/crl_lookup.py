"""Reading the CRL store: is serial S of issuer I on the issuer's current CRL? One indexed query per login."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from django.db import connection
from django.utils.dateparse import parse_datetime

from certauth.icp.crl import entry_reason
from certauth.icp.revocation import HeldCrl, Revocation
from certauth.models import Crl, CrlFile, CrlIssuer, RevokedSerial

_TABLE = RevokedSerial._meta.db_table


@dataclass(frozen=True)
class HeldFor:
    """An issuer's current CRL as a lookup needs it."""

    crl_id: int
    held: HeldCrl


@dataclass(frozen=True)
class Lookup:
    """What the store says about the certificates of one path: each issuer's current CRL, and which of the
    asked (issuer, serial) pairs it lists."""

    held: dict[str, HeldFor]
    listed: dict[tuple[str, str], Revocation]


def lookup(pairs: list[tuple[str, str]]) -> Lookup:
    """One query for a whole path: the current CRL of each issuer key, joined with the asked serials.

    Written in SQL rather than the ORM: it runs on every login, and building the ORM query cost ten times more
    than running it."""
    if not pairs:
        return Lookup({}, {})
    keys = sorted({key for key, _ in pairs})
    serials = sorted({serial for _, serial in pairs})
    sql = (
        f"SELECT i.key_id, c.id, c.number, c.this_update, c.next_update, r.serial "  # noqa: S608
        f"FROM {CrlIssuer._meta.db_table} i JOIN {Crl._meta.db_table} c ON c.id = i.current_id "
        f"LEFT JOIN {_TABLE} r ON r.crl_id = c.id AND r.serial IN ({', '.join(['%s'] * len(serials))}) "
        f"WHERE i.key_id IN ({', '.join(['%s'] * len(keys))})"
    )
    wanted = set(pairs)
    held: dict[str, HeldFor] = {}
    listed: dict[tuple[str, str], Revocation] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*serials, *keys])
        rows = cursor.fetchall()
    for key, crl_id, number, this_update, next_update, serial in rows:
        held[key] = HeldFor(
            crl_id, HeldCrl(int(number) if number else None, _aware(this_update), _aware_or_none(next_update))
        )
        if serial is not None and (key, serial) in wanted:
            listed[(key, serial)] = _revocation_details(crl_id, serial)
    return Lookup(held, listed)


def revocation_of(issuer_key_id: str, serial: str) -> Revocation | None:
    """Is ``serial`` on the current CRL of the issuer with that key? (for sessions re-checking their certificate)"""
    return lookup([(issuer_key_id, serial)]).listed.get((issuer_key_id, serial))


def _revocation_details(crl_id: int, serial: str) -> Revocation:
    """Date and reason of a listed serial, read from the CRL file (only when a revoked certificate is met)."""
    der = CrlFile.objects.filter(crl_id=crl_id).values_list("der", flat=True).first()
    entry = (
        x509.load_der_x509_crl(bytes(der)).get_revoked_certificate_by_serial_number(int(serial, 16)) if der else None
    )
    if entry is None:  # the index lists it: revoked, whatever the file says
        return Revocation(dt.datetime.min.replace(tzinfo=dt.UTC), "")
    return Revocation(entry.revocation_date_utc, entry_reason(entry))


def _aware(value: Any) -> dt.datetime:
    """Raw SQL returns what the driver gives: aware datetimes (PostgreSQL) or text in UTC (SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _aware_or_none(value: Any) -> dt.datetime | None:
    return None if value is None else _aware(value)
