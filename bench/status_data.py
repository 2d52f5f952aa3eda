"""A realistic data set for the migration-status pages, written fast into the current Django database.

    .venv/bin/python bench/status_data.py [--scale 1.0] [--seed 1] [--migrate]

At scale 1.0: 5,000 partner entities over the 27 UFs (weighted by population; ~70% OAB, 25% municípios, 5% others; a
few suspended or ended; 100 Gerências-Executivas spread over the superintendências in proportion to their entities,
~90% of the entities in a GEX of their superintendência, the rest in none), 200,000 members (~40 per entity, ~5% in
two entities) and 2,000,000 login attempts over the last 365 days (~75% accepted certificate logins, 15% accepted
password logins, 10% refusals with a realistic spread of codes). Member dates agree with the audit: ~55% of members
have a first A3 login spread over the last two years (and an accepted certificate attempt at that instant and at
their last certificate login when those fall in the audit's year), ~30% only logged in with a password in the last
90 days, ~15% never logged in; the certificate of an A3 member expires between 30 days ago and three years from now.
Rows lie as an imported database's would: 80% of the members entity by entity, the rest joined later. Rows are
written with ``cursor.executemany`` in big batches, one transaction per table (no ORM ``save()``, no history rows,
no user accounts for members).

``generate()`` appends to whatever the database holds (existing CPFs and entity codes are avoided). The command line
fills the database of the current settings (``PORTAL_VAR_DIR`` / ``DATABASE_URL``); run ``manage.py migrate`` first,
or pass ``--migrate``.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import itertools
import os
import random
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

#: Population in millions (IBGE, Censo 2022): how entities spread over the UFs.
UF_POPULATION = {
    "SP": 44.4, "MG": 20.5, "RJ": 16.1, "BA": 14.1, "PR": 11.4, "RS": 10.9, "PE": 9.1, "CE": 8.8, "PA": 8.1,
    "SC": 7.6, "GO": 7.1, "MA": 6.8, "PB": 4.0, "AM": 3.9, "ES": 3.8, "MT": 3.7, "RN": 3.3, "PI": 3.3, "AL": 3.1,
    "DF": 2.8, "MS": 2.8, "SE": 2.2, "RO": 1.6, "TO": 1.5, "AC": 0.83, "AP": 0.73, "RR": 0.64,
}  # fmt: skip
KINDS = (("oab", 0.70), ("municipio", 0.25), ("outra", 0.05))
#: Relative sizes of entities of each kind (member counts are lognormal around these).
KIND_SIZE = {"oab": (1.25, 1.1), "municipio": (0.45, 0.8), "outra": (0.7, 0.8)}
#: Refusals by code (shares of all refusals) and the method they come from.
REJECTIONS = (
    ("PASSWORD_INVALID", 0.24, "password"),
    ("CERT_NOT_A3", 0.19, "certificate"),
    ("CERT_EXPIRED", 0.16, "certificate"),
    ("MEMBER_UNKNOWN", 0.14, "certificate"),
    ("PASSWORD_RETIRED", 0.09, "password"),
    ("CERT_REVOKED", 0.03, "certificate"),
    ("CERT_UNTRUSTED", 0.03, "certificate"),
    ("LOCKED_OUT", 0.03, "password"),
    ("MEMBER_INACTIVE", 0.02, "certificate"),
    ("ENTITY_INACTIVE", 0.02, "certificate"),
    ("CERT_REVOCATION_UNKNOWN", 0.02, "certificate"),
    ("OAB_MISMATCH", 0.02, "certificate"),
    ("CERT_NO_CPF", 0.01, "certificate"),
)
ACCEPTED_CERTIFICATE, ACCEPTED_PASSWORD = 0.75, 0.15
#: Gerências-Executivas per entity (INSS has ~100 for ~5,000 partner entities) and the entities assigned to one.
GEX_PER_ENTITY = 100 / 5000
IN_GEX = 0.9
#: Members added after the initial import (entity by entity) of the others.
LATER_JOINERS = 0.2
DETAILS = {
    "PASSWORD_INVALID": "CPF ou senha incorretos.",
    "CERT_NOT_A3": "Certificado do tipo A1: o portal aceita apenas certificados A3 (token ou cartão).",
    "CERT_EXPIRED": "Certificado vencido.",
    "MEMBER_UNKNOWN": "CPF do certificado não cadastrado em nenhuma entidade parceira.",
    "PASSWORD_RETIRED": "Certificado digital A3 obrigatório para a sua entidade desde o início da etapa.",
    "CERT_REVOKED": "Certificado revogado (motivo: comprometimento da chave).",
    "CERT_UNTRUSTED": "Cadeia de certificação não reconhecida (AC fora da ICP-Brasil).",
    "LOCKED_OUT": "Acesso bloqueado por tentativas repetidas; tente de novo em 30 minutos.",
    "MEMBER_INACTIVE": "Cadastro do membro inativo.",
    "ENTITY_INACTIVE": "Entidade parceira suspensa.",
    "CERT_REVOCATION_UNKNOWN": "LCR da AC emissora indisponível.",
    "OAB_MISMATCH": "Inscrição na OAB do certificado difere da cadastrada.",
    "CERT_NO_CPF": "O certificado não informa CPF.",
}
FIRST_NAMES = (
    "MARIA JOSE ANA JOAO ANTONIO FRANCISCA CARLOS PAULO PEDRO LUCAS LUIZ MARCOS GABRIEL RAFAEL DANIEL MARCELO "
    "BRUNO EDUARDO FELIPE RAIMUNDA JULIANA ADRIANA PATRICIA ALINE SANDRA CAMILA AMANDA BRUNA JESSICA LETICIA "
    "FERNANDA VANESSA MARIANA LUCIANA CLAUDIA RODRIGO FABIO TIAGO RICARDO ANDRE LEONARDO GUSTAVO VINICIUS"
).split()
SURNAMES = (
    "SILVA SANTOS OLIVEIRA SOUZA RODRIGUES FERREIRA ALVES PEREIRA LIMA GOMES COSTA RIBEIRO MARTINS CARVALHO "
    "ALMEIDA LOPES SOARES FERNANDES VIEIRA BARBOSA ROCHA DIAS NASCIMENTO ANDRADE MOREIRA NUNES MARQUES MACHADO "
    "MENDES FREITAS CARDOSO RAMOS GONCALVES SANTANA TEIXEIRA ARAUJO CAVALCANTI MONTEIRO MOURA CORREIA"
).split()
ISSUERS = (
    ("CN=AC OAB G3,OU=Autoridade Certificadora Raiz Brasileira v10,O=ICP-Brasil,C=BR", 0.45),
    ("CN=AC SERASA RFB v5,OU=Secretaria da Receita Federal do Brasil - RFB,O=ICP-Brasil,C=BR", 0.2),
    ("CN=AC Certisign RFB G5,OU=Secretaria da Receita Federal do Brasil - RFB,O=ICP-Brasil,C=BR", 0.15),
    ("CN=AC SOLUTI Multipla v5,OU=Autoridade Certificadora Raiz Brasileira v5,O=ICP-Brasil,C=BR", 0.12),
    ("CN=AC VALID RFB v5,OU=Secretaria da Receita Federal do Brasil - RFB,O=ICP-Brasil,C=BR", 0.08),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
    "Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
)
POLICY_A3, POLICY_A1 = "2.16.76.1.2.3.3", "2.16.76.1.2.1.3"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # the audit's references: Crockford base32, grouped 5-5
US = 1_000_000
DAY = 86_400 * US
HOUR = 3_600 * US
BATCH = 20_000


@dataclass
class Report:
    """Rows written and seconds taken, per table."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def cpf_check_digits(base: str) -> str:
    """The two check digits of a 9-digit CPF base (as ``stdnum.br.cpf.calc_check_digits``)."""
    d1 = (11 - sum((10 - i) * int(n) for i, n in enumerate(base)) % 11) % 11 % 10
    d2 = (11 - sum((11 - i) * int(n) for i, n in enumerate(base + str(d1))) % 11) % 11 % 10
    return f"{d1}{d2}"


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]


def reference(number: int) -> str:
    """``00000-0001Z``: the row number in the audit's shape (10 Crockford base32 digits), hence unique."""
    p = _PAIRS
    return (
        f"{p[(number >> 40) & 1023]}{_ALPHABET[(number >> 35) & 31]}{p[(number >> 25) & 1023]}-"
        f"{p[(number >> 15) & 1023]}{p[(number >> 5) & 1023]}{_ALPHABET[number & 31]}"
    )


def _hour_weights() -> list[float]:
    """Relative chance of a login in each hour of the week (Monday 00:00 Brasília first)."""
    weights = []
    for day in range(7):
        for hour in range(24):
            w = 1.0 if 8 <= hour < 19 else 0.3 if 19 <= hour < 23 or hour == 7 else 0.04
            weights.append(w * (0.2 if day >= 5 else 1.0))
    return weights


_HOUR_WEIGHTS = _hour_weights()


class _Times:
    """Random instants (µs since the epoch) that follow office hours in Brasília."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def between(self, lo: int, hi: int) -> int:
        rng, weights = self.rng, _HOUR_WEIGHTS
        t = lo
        for _ in range(12):
            t = lo + int(rng.random() * (hi - lo))
            # epoch hour 0 is Thursday 00:00 UTC = Wednesday 21:00 in Brasília (UTC-3), hour 69 of the week
            if rng.random() < weights[(t // HOUR + 69) % 168]:
                return t
        return t


def _adapters(vendor: str) -> tuple[Callable[[int | None], Any], Callable[[dt.date | None], Any]]:
    """µs since the epoch → a datetime parameter; date → a date parameter (as Django would send them)."""
    if vendor == "sqlite":  # naive UTC text, as Django stores datetimes there with USE_TZ (str(datetime))
        days: dict[int, str] = {}
        epoch = dt.date(1970, 1, 1)

        def sqlite_dt(us: int | None) -> str | None:
            if us is None:
                return None
            day, rest = divmod(us, DAY)
            text = days.get(day)
            if text is None:
                text = days[day] = (epoch + dt.timedelta(days=day)).isoformat()
            seconds, fraction = divmod(rest, US)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            if fraction:
                return f"{text} {hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}"
            return f"{text} {hour:02d}:{minute:02d}:{second:02d}"

        def sqlite_date(day: dt.date | None) -> str | None:
            return None if day is None else day.isoformat()

        return sqlite_dt, sqlite_date
    aware = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def aware_dt(us: int | None) -> dt.datetime | None:
        return None if us is None else aware + dt.timedelta(microseconds=us)

    return aware_dt, lambda day: day


def _filled(table: str, columns: Sequence[str]) -> tuple[list[str], list[Any]]:
    """The table's other NOT NULL columns (added by later migrations) and the model's default for each, so the
    loader keeps working when a model gains a field."""
    from django.apps import apps
    from django.db import connection

    for model in apps.get_models():
        if model._meta.db_table == table:
            fields = [f for f in model._meta.concrete_fields if f.column not in columns and not f.null]
            fields = [f for f in fields if not f.primary_key]
            return [f.column for f in fields], [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    return [], []


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the rows in one transaction: ``COPY`` on PostgreSQL (psycopg 3's ``cursor.copy()``), big
    ``executemany`` batches on SQLite (indexes dropped during the load and built once at the end)."""
    from django.db import connection, transaction

    extra, values = _filled(table, columns)
    if extra:
        columns, rows = [*columns, *extra], ((*row, *values) for row in rows)
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor (Django's wrapper has no copy())
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # noqa: S608  (our own names)
                for batch in _batches(rows):
                    for row in batch:
                        copy.write_row(row)
                    count += len(batch)
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608  (our own table and column names)
        indexes = []
        if connection.vendor == "sqlite":
            # The indexes (but those of UNIQUE columns) are built once at the end, by a sort, instead of row by row.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            for name, create in cursor.fetchall():
                indexes.append(create)
                cursor.execute(f'DROP INDEX "{name}"')
        for batch in _batches(rows):
            cursor.executemany(sql, batch)
            count += len(batch)
        for create in indexes:
            cursor.execute(create)
    return count


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    """Lists of BATCH rows, built by a thread while the caller writes the previous one (SQLite releases the GIL
    while it steps, so on two cores building rows and writing them overlap). The rows must not touch the database."""
    queue: Queue[list[Sequence[Any]] | BaseException | None] = Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            iterator = iter(rows)
            while not stop.is_set() and (batch := list(itertools.islice(iterator, BATCH))):
                queue.put(batch)
            queue.put(None)
        except BaseException as error:  # handed to the consumer
            queue.put(error)

    thread = threading.Thread(target=produce, name="status-data-rows", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.1)
        thread.join()


def _ids(table: str, key: str, since_id: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{key}", id FROM "{table}" WHERE id > %s', [since_id])  # noqa: S608
        return dict(cursor.fetchall())


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        return int(cursor.fetchone()[0])


def _existing(table: str, column: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` (largest remainders), at least one each."""
    keys = [k for k, w in weights.items() if w > 0]
    whole = sum(weights[k] for k in keys)
    exact = {k: max(1.0, total * weights[k] / whole) for k in keys}
    shares = {k: int(v) for k, v in exact.items()}
    for k in sorted(keys, key=lambda k: exact[k] - shares[k], reverse=True)[: max(0, total - sum(shares.values()))]:
        shares[k] += 1
    return shares


def _lognormal_cum(rng: random.Random, params: Sequence[tuple[float, float]]) -> list[float]:
    total, cum = 0.0, []
    for scale, sigma in params:
        total += scale * rng.lognormvariate(0.0, sigma)
        cum.append(total)
    return cum


def generate(
    *,
    entities: int = 5000,
    members: int = 200_000,
    attempts: int = 2_000_000,
    seed: int = 1,
    now: dt.datetime | None = None,
    verbose: bool = True,
) -> Report:
    """Fill the current Django database (already migrated). Deterministic for a given seed and ``now``."""
    from django.db import DatabaseError, connection

    rng = random.Random(seed)  # noqa: S311  (test data, not secrets)
    times = _Times(rng)
    now = now or dt.datetime.now(dt.UTC)
    now_us = int(now.timestamp() * US)
    audit_start = now_us - 365 * DAY
    to_dt, to_date = _adapters(connection.vendor)
    report = Report()

    def log(message: str) -> None:
        if verbose:
            print(message, flush=True)

    def timed(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        start = time.perf_counter()
        report.rows[table] = _insert(table, columns, rows)
        report.seconds[table] = time.perf_counter() - start
        log(
            f"   {table:<24} {report.rows[table]:>10,} rows  {report.seconds[table]:7.2f} s  "
            f"({report.rows[table] / max(report.seconds[table], 1e-9):,.0f} rows/s)"
        )

    sqlite = connection.vendor == "sqlite"
    journal_mode = ""
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
            # During the load: no WAL (every page would be written twice: to the WAL, then at the checkpoint), the
            # rollback journal in memory (new pages need none), no fsync, a big cache, and helper threads to sort
            # the rows of each index. -25% on the largest table.
            with contextlib.suppress(DatabaseError):  # another connection has the database open: keep its mode
                cursor.execute("PRAGMA journal_mode=MEMORY")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1048576")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute("PRAGMA threads=2")
    try:
        # ------------------------------------------------------------ entities
        ufs = list(UF_POPULATION)
        uf_cum = list(itertools.accumulate(UF_POPULATION.values()))
        kinds = [k for k, _ in KINDS]
        kind_cum = list(itertools.accumulate(w for _, w in KINDS))
        taken_codes = _existing("portal_partnerentity", "code")
        entity_uf = [ufs[i] if i < len(ufs) else rng.choices(ufs, cum_weights=uf_cum)[0] for i in range(entities)]
        entity_kind = rng.choices(kinds, cum_weights=kind_cum, k=entities)
        entity_status = rng.choices(("active", "suspended", "ended"), weights=(0.975, 0.02, 0.005), k=entities)
        entity_code, entity_name = [], []
        serials: dict[tuple[str, str], int] = {}
        prefix = {"oab": "OAB", "municipio": "MUN", "outra": "ENT"}
        for uf, kind in zip(entity_uf, entity_kind, strict=True):
            while True:
                serials[(uf, kind)] = n = serials.get((uf, kind), 0) + 1
                code = f"{prefix[kind]}-{uf}-{n:04d}"
                if code not in taken_codes:
                    break
            entity_code.append(code)
            entity_name.append(
                f"OAB {uf} — Subseção {n:04d}"
                if kind == "oab"
                else f"Prefeitura Municipal {n:04d} ({uf})"
                if kind == "municipio"
                else f"Associação de Apoio ao Segurado {n:04d} ({uf})"
            )

        # ------------------------------------------------------------ Gerências-Executivas
        from rollout.regions import SUPERINTENDENCIAS, region_for_uf

        entity_region = [(region_for_uf(uf) or SUPERINTENDENCIAS[0]).code for uf in entity_uf]
        per_region = {r.code: entity_region.count(r.code) for r in SUPERINTENDENCIAS}
        gex_count = max(len(SUPERINTENDENCIAS), round(entities * GEX_PER_ENTITY))
        gex_quota = _apportion(gex_count, per_region)
        taken_gex = _existing("rollout_gerenciaexecutiva", "code")
        region_names = {r.code: r.name for r in SUPERINTENDENCIAS}
        gex_codes: dict[str, list[str]] = {}
        gex_rows = []
        for region, quota in gex_quota.items():
            n = 0
            for _ in range(quota):
                while True:
                    n += 1
                    code = f"gex-{region}-{n:02d}"
                    if code not in taken_gex:
                        break
                gex_codes.setdefault(region, []).append(code)
                gex_rows.append((code, f"GEX {region_names[region]} {n:02d} (bench)", f"{code}@bench.invalid"))
        region_ids = _ids("rollout_superintendencia", "code", 0)
        log(f"Generating {gex_count} Gerências-Executivas…")
        since_gex = _max_id("rollout_gerenciaexecutiva")
        timed(
            "rollout_gerenciaexecutiva",
            ("code", "name", "contact_email", "superintendencia_id"),
            (
                (code, name, email, region_ids[code.removeprefix("gex-").rsplit("-", 1)[0]])
                for code, name, email in gex_rows
            ),
        )
        gex_ids = _ids("rollout_gerenciaexecutiva", "code", since_gex)
        # Each GEX gets a share of its superintendência's entities (lognormal sizes); 10% of the entities get none.
        gex_cum = {region: _lognormal_cum(rng, [(1.0, 0.5)] * len(codes)) for region, codes in gex_codes.items()}
        entity_gex: list[int | None] = [
            gex_ids[rng.choices(gex_codes[region], cum_weights=gex_cum[region])[0]]
            if region in gex_codes and rng.random() < IN_GEX
            else None
            for region in entity_region
        ]

        def entity_rows() -> Iterator[tuple[Any, ...]]:
            for i in range(entities):
                signed = (now - dt.timedelta(days=rng.randint(30, 4 * 365))).date()
                created = now_us - rng.randint(400, 1500) * DAY
                yield (
                    entity_code[i],
                    entity_name[i],
                    entity_kind[i],
                    entity_uf[i],
                    f"ACT {rng.randint(1, 99)}/{signed.year}",
                    to_date(signed),
                    to_date(signed.replace(year=signed.year + 5, day=min(signed.day, 28))),
                    entity_status[i],
                    f"contato@{entity_code[i].lower()}.bench.invalid",
                    f"({rng.randint(11, 99)}) 3{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                    "",
                    to_dt(created),
                    to_dt(created + rng.randint(0, 300) * DAY),
                    "",
                    entity_gex[i],
                )

        log(f"Generating {entities:,} entities, {members:,} members, {attempts:,} login attempts (seed {seed})…")
        since = _max_id("portal_partnerentity")
        timed(
            "portal_partnerentity",
            (
                "code name kind uf act_number act_signed_on act_ends_on status contact_email phone notes created_at "
                "updated_at other_emails gex_id"
            ).split(),
            entity_rows(),
        )
        code_ids = _ids("portal_partnerentity", "code", since)
        entity_id = [code_ids[c] for c in entity_code]

        # ------------------------------------------------------------ members
        taken_cpfs = _existing("portal_member", "cpf")

        def new_cpf() -> str:
            while True:
                base = f"{rng.randrange(1, 10**9):09d}"
                cpf = base + cpf_check_digits(base)
                if len(set(cpf)) > 1 and cpf not in taken_cpfs:
                    taken_cpfs.add(cpf)
                    return cpf

        size_cum = _lognormal_cum(rng, [KIND_SIZE[k] for k in entity_kind])
        by_uf: dict[str, tuple[list[int], list[float]]] = {}
        for index, uf in enumerate(entity_uf):
            ids, cum = by_uf.setdefault(uf, ([], []))
            ids.append(index)
            cum.append((cum[-1] if cum else 0.0) + size_cum[index] - (size_cum[index - 1] if index else 0.0))
        first_entity = rng.choices(range(entities), cum_weights=size_cum, k=members)
        # Row order as the database would have it: most members came in the initial import, entity by entity; the
        # others joined later, one at a time (their rows are far from their entity's). The order of the rows
        # decides how far apart a query's lookups land: the status pages read members entity by entity.
        initial = int(members * (1 - LATER_JOINERS))
        first_entity = sorted(first_entity[:initial]) + first_entity[initial:]
        cpfs = [new_cpf() for _ in range(members)]
        names = [
            f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            if rng.random() < 0.6
            else f"{rng.choice(FIRST_NAMES)} {rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            for _ in range(members)
        ]
        member_entities: list[tuple[int, ...]] = []
        for m in range(members):
            first = first_entity[m]
            if rng.random() < 0.05:
                if rng.random() < 0.7:
                    ids, cum = by_uf[entity_uf[first]]
                    second = ids[bisect.bisect(cum, rng.random() * cum[-1]) if len(ids) > 1 else 0]
                else:
                    second = rng.choices(range(entities), cum_weights=size_cum)[0]
                member_entities.append((first, second) if second != first else (first,))
            else:
                member_entities.append((first,))

        # dates: 55% A3 (first A3 login over two years, more of them recently), 30% password only (in the last
        # 90 days), 15% never logged in
        first_a3: list[int | None] = [None] * members
        last_cert: list[int | None] = [None] * members
        last_password: list[int | None] = [None] * members
        not_after: list[int | None] = [None] * members
        created: list[int] = [0] * members
        for m in range(members):
            draw = rng.random()
            if draw < 0.55:
                age = int(730 * DAY * (1 - rng.random() ** 0.5))
                first = times.between(now_us - age - DAY, now_us - age)
                first = min(first, now_us - HOUR)
                expiry = now_us - 30 * DAY + int(rng.random() * (3 * 365 + 30) * DAY)
                if expiry <= first + DAY:
                    expiry = first + DAY + int(rng.random() * 3 * 365 * DAY)
                ceiling = min(now_us, expiry - HOUR)
                last = ceiling - int(rng.expovariate(1 / 20) * DAY)
                last = max(first, times.between(last - DAY, last) if last - DAY > first else last)
                first_a3[m], last_cert[m], not_after[m] = first, min(last, ceiling), expiry
                if rng.random() < 0.25:  # used a password before moving to A3 (a few still do)
                    last_password[m] = (
                        times.between(now_us - 90 * DAY, now_us)
                        if rng.random() < 0.15
                        else times.between(first - 180 * DAY, first)
                    )
            elif draw < 0.85:
                age = int(90 * DAY * rng.random() ** 1.5)
                last_password[m] = times.between(max(now_us - age - DAY, now_us - 90 * DAY), now_us - age)
            events = [t for t in (first_a3[m], last_password[m]) if t is not None]
            created[m] = min([now_us - rng.randint(30, 1100) * DAY, *(t - rng.randint(1, 60) * DAY for t in events)])
        active = [rng.random() >= 0.02 for _ in range(members)]

        def member_rows() -> Iterator[tuple[Any, ...]]:
            for m in range(members):
                words = names[m].split()
                yield (
                    cpfs[m],
                    names[m].title(),
                    f"{words[0].lower()}.{words[-1].lower()}{m}@bench.invalid",
                    active[m],
                    to_dt(last_cert[m]),
                    to_dt(last_password[m]),
                    to_dt(created[m]),
                    None,
                    to_dt(not_after[m]),
                    to_dt(first_a3[m]),
                )

        since = _max_id("portal_member")
        timed(
            "portal_member",
            (
                "cpf name email active last_certificate_login_at last_password_login_at created_at user_id "
                "certificate_not_after first_a3_login_at"
            ).split(),
            member_rows(),
        )
        cpf_ids = _ids("portal_member", "cpf", since)

        def membership_rows() -> Iterator[tuple[Any, ...]]:
            for m in range(members):
                member_id = cpf_ids[cpfs[m]]
                for e in member_entities[m]:
                    yield (rng.random() >= 0.04, member_id, entity_id[e])

        timed("portal_membership", ("active", "member_id", "entity_id"), membership_rows())

        # ------------------------------------------------------------ login attempts
        # Planned as packed ints (instant, actor, kind), sorted by instant, then expanded batch by batch.
        unknown = [new_cpf() for _ in range(max(members // 10, 10))]
        actor_bits = max(members, len(unknown)).bit_length()
        shift = actor_bits + 6  # instant | unknown-CPF flag | actor | kind (5 bits)

        def pack(t: int, actor: int, kind: int, stranger: bool = False) -> int:
            return ((t - audit_start) << shift) | (stranger << (actor_bits + 5)) | (actor << 5) | kind

        plan: list[int] = []
        cert_target = int(attempts * ACCEPTED_CERTIFICATE)
        password_target = int(attempts * ACCEPTED_PASSWORD)
        reject_target = attempts - cert_target - password_target

        def fill(kind: int, target: int, windows: dict[int, tuple[int, int]], anchors: list[tuple[int, int]]) -> None:
            """``anchors`` first (the instants member records name), then random members' windows."""
            anchors = anchors[:target]
            plan.extend(pack(t, m, kind) for t, m in anchors)
            eligible = list(windows)
            if not eligible:
                return
            weights = list(itertools.accumulate(rng.lognormvariate(0, 1) for _ in eligible))
            for m in rng.choices(eligible, cum_weights=weights, k=target - len(anchors)):
                lo, hi = windows[m]
                plan.append(pack(times.between(lo, hi), m, kind))

        start = time.perf_counter()
        windows, anchors = {}, []
        for m in range(members):
            last = last_cert[m]
            if last is None or last < audit_start:
                continue
            windows[m] = (max(first_a3[m] or audit_start, audit_start), last)
            anchors.append((last, m))
            if (first_a3[m] or 0) >= audit_start and first_a3[m] != last:
                anchors.append((first_a3[m], m))
        rng.shuffle(anchors)
        fill(0, cert_target, windows, anchors)
        windows, anchors = {}, []
        for m in range(members):
            last = last_password[m]
            if last is None or last < audit_start:
                continue
            windows[m] = (max(last - 365 * DAY, audit_start), last)
            anchors.append((last, m))
        rng.shuffle(anchors)
        fill(1, password_target, windows, anchors)
        code_cum = list(itertools.accumulate(share for _, share, _ in REJECTIONS))
        for code_index in rng.choices(range(len(REJECTIONS)), cum_weights=code_cum, k=reject_target):
            code = REJECTIONS[code_index][0]
            t = times.between(audit_start, now_us)
            if code == "MEMBER_UNKNOWN" or (code == "PASSWORD_INVALID" and rng.random() < 0.2):
                plan.append(pack(t, rng.randrange(len(unknown)), 2 + code_index, stranger=True))
            else:
                plan.append(pack(t, rng.randrange(members), 2 + code_index))
        plan.sort()
        log(f"   (attempts planned and sorted in {time.perf_counter() - start:.2f} s)")

        a3_certificates: dict[int, tuple[str, str, str, str, Any, str]] = {}
        ips = [f"{rng.choice((177, 179, 187, 189, 191, 200, 201))}.{rng.randrange(256)}.{rng.randrange(256)}."
               f"{rng.randrange(1, 255)}" for _ in range(5000)]  # fmt: skip
        issuers = [i for i, _ in ISSUERS]
        issuer_cum = list(itertools.accumulate(w for _, w in ISSUERS))
        mask = (1 << 5) - 1
        actor_mask = (1 << actor_bits) - 1
        good = ("good", "LCR vigente da AC emissora", None, "")
        none = ("", "", None, "")

        def new_certificate(name: str, cpf: str) -> tuple[str, str, str, str]:
            """(serial, subject, issuer, fingerprint) of a certificate."""
            return (
                f"{rng.getrandbits(120):X}",
                f"CN={name}:{cpf},OU=Videoconferencia,OU=00000000000191,OU=Certificado PF A3,O=ICP-Brasil,C=BR",
                rng.choices(issuers, cum_weights=issuer_cum)[0],
                f"{rng.getrandbits(256):064x}",
            )

        def a3_certificate(m: int) -> tuple[str, str, str, str, Any, str]:
            """(serial, subject, issuer, fingerprint, expiry, detail) of a member's A3 certificate: the same at
            every login."""
            found = a3_certificates.get(m)
            if found is None:
                serial, subject, issuer, fingerprint = new_certificate(names[m], cpfs[m])
                detail = f"A3 · AC Raiz v10 → {issuer[3 : issuer.index(',')]}"
                found = a3_certificates[m] = (serial, subject, issuer, fingerprint, to_dt(not_after[m]), detail)
            return found

        base = _max_id("certauth_loginattempt") + 1
        random_ = rng.random
        n_ips, n_agents = len(ips), len(USER_AGENTS)

        def attempt_rows() -> Iterator[tuple[Any, ...]]:
            for number, key in enumerate(plan, start=base):
                kind = key & mask
                actor = (key >> 5) & actor_mask
                at = (key >> shift) + audit_start
                ip = ips[int(random_() * n_ips)]
                agent = USER_AGENTS[int(random_() * n_agents)]
                request_id = f"{rng.getrandbits(128):032x}"
                if kind == 0:  # accepted certificate login (75%)
                    serial, subject, issuer, fingerprint, expiry, detail = a3_certificate(actor)
                    owned = member_entities[actor]
                    org_code = org_name = ""
                    if len(owned) == 1 or random_() < 0.5:  # else the member chose an entity after login
                        chosen = owned[0] if len(owned) == 1 else owned[int(random_() * len(owned))]
                        org_code, org_name = entity_code[chosen], entity_name[chosen]
                    yield (
                        reference(number), to_dt(at), "certificate", "accepted", "", detail, cpfs[actor], names[actor],
                        None, org_code, org_name, serial, subject, issuer, fingerprint, expiry, POLICY_A3, ip, agent,
                        request_id, "SUCCESS", *good,
                    )  # fmt: skip
                    continue
                if kind == 1:  # accepted password login (15%)
                    owned = member_entities[actor]
                    org_code, org_name = (entity_code[owned[0]], entity_name[owned[0]]) if len(owned) == 1 else ("", "")
                    yield (
                        reference(number), to_dt(at), "password", "accepted", "", "", cpfs[actor], "", None, org_code,
                        org_name, "", "", "", "", None, "", ip, agent, request_id, "", *none,
                    )  # fmt: skip
                    continue
                unknown_cpf = (key >> (actor_bits + 5)) & 1
                cpf, holder = (unknown[actor], "FULANO DE TAL") if unknown_cpf else (cpfs[actor], names[actor])
                code, _, method = REJECTIONS[kind - 2]
                detail = DETAILS[code]
                serial = subject = issuer = fingerprint = policy = ""
                expiry: Any = None
                revocation = none
                if method == "certificate" and code != "CERT_NO_CPF":
                    if unknown_cpf or first_a3[actor] is None or code in ("CERT_NOT_A3", "CERT_UNTRUSTED"):
                        serial, subject, issuer, fingerprint = new_certificate(holder, cpf)
                        policy = POLICY_A1 if code == "CERT_NOT_A3" else POLICY_A3
                        expiry = to_dt(at + rng.randint(30, 700) * DAY)
                    else:
                        serial, subject, issuer, fingerprint, expiry, _ = a3_certificate(actor)
                        policy = POLICY_A3
                    if code == "CERT_EXPIRED":
                        expiry = to_dt(at - rng.randint(1, 200) * DAY)
                    elif code == "CERT_REVOKED":
                        revocation = ("revoked", detail, to_dt(at - rng.randint(1, 90) * DAY), "keyCompromise")
                    elif code == "CERT_REVOCATION_UNKNOWN":
                        revocation = ("unknown", detail, None, "")
                elif code == "CERT_NO_CPF":
                    cpf = ""
                yield (
                    reference(number), to_dt(at), method, "rejected", code, detail, cpf, holder if serial else "", None,
                    "", "", serial, subject, issuer, fingerprint, expiry, policy, ip, agent, request_id,
                    "SUCCESS" if method == "certificate" else "", *revocation,
                )  # fmt: skip

        timed(
            "certauth_loginattempt",
            (
                "reference created_at method outcome code detail cpf holder_name user_id organization_code "
                "organization_name cert_serial cert_subject cert_issuer cert_fingerprint cert_not_after cert_policy "
                "ip user_agent proxy_request_id proxy_verify revocation_status revocation_detail revoked_at "
                "revocation_reason provider"
            ).split(),
            ((*row, "") for row in attempt_rows()),  # provider: only cloud logins name a PSC
        )
    finally:
        with connection.cursor() as cursor:
            if sqlite:  # back to the settings' init_command
                cursor.execute(f"PRAGMA journal_mode={journal_mode}")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-2000")
                cursor.execute("PRAGMA temp_store=DEFAULT")
                cursor.execute("PRAGMA threads=0")
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "ANALYZE portal_partnerentity, portal_member, portal_membership, certauth_loginattempt"
                )  # as autovacuum would soon after such a load
    log(f"   total {report.total_seconds:.1f} s")
    return report


def scaled(scale: float) -> dict[str, int]:
    return {
        "entities": max(int(5000 * scale), 27),
        "members": max(int(200_000 * scale), 100),
        "attempts": max(int(2_000_000 * scale), 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 5k entities, 200k members, 2M attempts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--migrate", action="store_true", help="run migrate first")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    import django

    django.setup()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.db import connection

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    generate(**scaled(args.scale), seed=args.seed)


if __name__ == "__main__":
    main()
