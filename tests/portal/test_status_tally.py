"""The status pages' maintained figures (``portal.status.tally``: a snapshot plus what changed since) equal a count
from the members after every kind of change — random sequences of certificate, first A3 and password logins,
memberships added, deactivated and moved, members edited, deactivated and deleted, entities suspended, reactivated
and moved, imports, the clock moving and new snapshots — and logins are applied without recounting entities."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certauth.models import LoginAttempt
from portal import services
from portal.models import EntityStatus, Member, Membership, PartnerEntity
from portal.status import metrics, tally
from portal.status.tally_models import TallyChange, TallySnapshot

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)
UFS = ("SP", "PR", "BA")


def valid_cpf(rng: random.Random) -> str:
    base = f"{rng.randrange(10**8, 10**9):09d}"
    d1 = (11 - sum((10 - i) * int(n) for i, n in enumerate(base)) % 11) % 11 % 10
    d2 = (11 - sum((11 - i) * int(n) for i, n in enumerate(base + str(d1))) % 11) % 11 % 10
    return f"{base}{d1}{d2}"


def from_scratch(at: dt.datetime) -> dict[int, dict[str, Any]]:
    return metrics.counted(at=at, memberships=Membership.objects.all())


def maintained(at: dt.datetime, recounted: set[int] | None = None) -> dict[int, dict[str, Any]]:
    def recount(at: dt.datetime, ids: Any) -> dict[int, dict[str, Any]]:
        if recounted is not None:
            recounted.update(ids)
        return metrics.counted(at=at, memberships=Membership.objects.filter(entity_id__in=[0, *ids]))

    active = PartnerEntity.objects.filter(status=EntityStatus.ACTIVE)
    return tally.entity_counts(at=at, entities=active, recount=recount)


class World:
    """A small partner database and a clock, changed at random the ways the portal changes it."""

    def __init__(self, rng: random.Random, time_machine: Any, tmp_path: Path) -> None:
        self.rng, self.time_machine, self.tmp_path = rng, time_machine, tmp_path
        self.now = START
        time_machine.move_to(self.now, tick=False)
        self.references = 0
        for n in range(8):
            PartnerEntity.objects.create(code=f"E{n}", name=f"Entidade {n}", kind="oab", uf=rng.choice(UFS))
        for _ in range(40):
            self.new_member()

    def entity(self) -> PartnerEntity:
        return self.rng.choice(list(PartnerEntity.objects.all()))

    def member(self) -> Member | None:
        members = list(Member.objects.all())
        return self.rng.choice(members) if members else None

    def ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(0, days))

    def new_member(self) -> None:
        rng = self.rng
        dates: dict[str, Any] = {}
        if rng.random() < 0.5:
            dates |= {
                "first_a3_login_at": self.ago(400),
                "certificate_not_after": self.now + dt.timedelta(days=rng.uniform(-40, 90)),
            }
            dates["last_certificate_login_at"] = dates["first_a3_login_at"]
        if rng.random() < 0.5:
            dates["last_password_login_at"] = self.ago(60)
        member = Member.objects.create(cpf=valid_cpf(rng), name="Membro Teste", **dates)
        for entity in rng.sample(list(PartnerEntity.objects.all()), rng.choice((1, 1, 1, 2))):
            Membership.objects.create(member=member, entity=entity, active=rng.random() > 0.1)

    def login(self, method: str) -> None:
        """What a login writes: the audit row, then the member's dates (``portal.services``)."""
        member = self.member()
        if member is None:
            return
        self.references += 1
        LoginAttempt.objects.create(
            reference=f"T{self.references:05d}", method=method, outcome="accepted", cpf=member.cpf
        )
        user = services.member_user(member)
        not_after = self.now + dt.timedelta(days=self.rng.uniform(-5, 80)) if method != "password" else None
        services.record_member_login(user=user, method=method, at=timezone.now(), certificate_not_after=not_after)

    def step(self) -> str:
        rng = self.rng
        kind = rng.choice(
            "login login login password cloud first_a3 tick tick day snapshot membership_off membership_on "
            "membership_moved membership_new member_off member_on member_deleted member_edited entity_suspended "
            "entity_reactivated entity_moved entity_new import".split()
        )
        membership = rng.choice(list(Membership.objects.all()) or [None])
        if kind in ("login", "cloud", "password"):
            self.login({"login": "certificate"}.get(kind, kind))
        elif kind == "first_a3":
            never = Member.objects.filter(first_a3_login_at__isnull=True).first()
            if never is not None:
                Member.objects.filter(pk=never.pk).update(first_a3_login_at=None)
                self.references += 1
                LoginAttempt.objects.create(
                    reference=f"T{self.references:05d}", method="certificate", outcome="accepted", cpf=never.cpf
                )
                services.record_member_login(
                    user=services.member_user(never), method="certificate", at=timezone.now(),
                    certificate_not_after=self.now + dt.timedelta(days=20),
                )  # fmt: skip
        elif kind in ("tick", "day"):
            self.now += dt.timedelta(hours=rng.uniform(0.1, 5)) if kind == "tick" else dt.timedelta(days=1)
            self.time_machine.move_to(self.now, tick=False)
        elif kind == "snapshot":
            call_command("status_rollup", stdout=io.StringIO())
        elif kind == "membership_off" and membership:
            membership.active = False
            membership.save()
        elif kind == "membership_on" and membership:
            membership.active = True
            membership.save()
        elif kind == "membership_moved" and membership:
            taken = set(Membership.objects.filter(member=membership.member_id).values_list("entity_id", flat=True))
            free = [e for e in PartnerEntity.objects.all() if e.pk not in taken]
            if free:
                membership.entity = rng.choice(free)
                membership.save()
        elif kind == "membership_new":
            self.new_member()
        elif kind in ("member_off", "member_on", "member_edited") and (member := self.member()):
            member.active = kind != "member_off"
            member.name = f"Membro {rng.randrange(1000)}"
            member.save()
        elif kind == "member_deleted" and (member := self.member()):
            member.delete()
        elif kind in ("entity_suspended", "entity_reactivated"):
            entities = PartnerEntity.objects.filter(pk=self.entity().pk)
            status = EntityStatus.SUSPENDED if kind == "entity_suspended" else EntityStatus.ACTIVE
            services.set_entity_status(entities, status, reason="teste")
        elif kind == "entity_moved":
            entity = self.entity()
            entity.uf = rng.choice(UFS)
            entity.save()
        elif kind == "entity_new":
            n = PartnerEntity.objects.count()
            PartnerEntity.objects.create(code=f"N{n}", name=f"Nova {n}", kind="oab", uf=rng.choice(UFS))
        elif kind == "import":
            codes = list(PartnerEntity.objects.values_list("code", flat=True))
            known = list(Member.objects.values_list("cpf", flat=True))
            lines = ["entity_code,cpf,name,email,oab_number,oab_uf"]
            for _ in range(3):
                cpf = rng.choice(known) if known and rng.random() < 0.5 else valid_cpf(rng)
                lines.append(f"{rng.choice(codes)},{cpf},Membro Importado,,,")
            path = self.tmp_path / "membros.csv"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            call_command("import_partners", "--members", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        return kind


@pytest.mark.parametrize("seed", range(4))
def test_maintained_figures_equal_a_count_from_the_members_after_random_changes(seed, time_machine, tmp_path):
    world = World(random.Random(seed), time_machine, tmp_path)
    call_command("status_rollup", stdout=io.StringIO())
    assert TallySnapshot.objects.exists()
    for n in range(60):
        kind = world.step()
        at = timezone.now()
        assert maintained(at) == from_scratch(at), f"step {n}: {kind}"


def test_logins_are_applied_to_the_snapshot_without_recounting_entities(time_machine, tmp_path):
    world = World(random.Random(7), time_machine, tmp_path)
    world.now += tally.MARGIN + dt.timedelta(seconds=1)  # the data was loaded before the snapshot
    time_machine.move_to(world.now, tick=False)
    call_command("status_rollup", stdout=io.StringIO())
    for _ in range(30):
        world.login(world.rng.choice(("certificate", "cloud", "password")))
        world.now += dt.timedelta(minutes=world.rng.uniform(1, 90))
        time_machine.move_to(world.now, tick=False)
    recounted: set[int] = set()
    at = timezone.now()
    assert maintained(at, recounted) == from_scratch(at)
    assert recounted == set()


def test_a_login_notes_no_change_and_keeps_its_single_update(member_factory):
    member = member_factory("52601815906")
    noted = TallyChange.objects.count()
    user = services.member_user(member)  # the first login links the account: a bookkeeping save
    with CaptureQueriesContext(connection) as queries:
        services.record_member_login(user=user, method="certificate", at=timezone.now())
    assert len(queries) == 1
    assert TallyChange.objects.count() == noted


def test_figures_without_a_valid_snapshot_are_counted_from_the_members_and_nothing_is_written(
    entity_factory, member_factory, time_machine
):
    time_machine.move_to(START, tick=False)
    entity = entity_factory()
    member_factory("52601815906", entity=entity)
    with CaptureQueriesContext(connection) as queries:
        figures = metrics.entity_figures(at=START)  # no snapshot at all
    assert [f.members for f in figures] == [1]
    assert not TallySnapshot.objects.exists()
    call_command("status_rollup", stdout=io.StringIO())
    first = TallySnapshot.objects.get()
    member_factory("08301661305", entity=entity)  # a second member of the same entity (a change noted for the snapshot)
    assert [f.members for f in metrics.entity_figures(at=START + tally.VALID - dt.timedelta(seconds=1))] == [2]
    later = START + tally.VALID + dt.timedelta(seconds=1)  # the job did not run for too long: no valid snapshot
    with CaptureQueriesContext(connection) as stale:
        figures = metrics.entity_figures(at=later)
    assert [f.members for f in figures] == [2]
    assert TallySnapshot.objects.get() == first
    for sql in (q["sql"] for q in [*queries.captured_queries, *stale.captured_queries]):
        assert sql.lstrip().upper().startswith(("SELECT", "WITH")), sql


def test_the_figures_of_the_last_minute_are_reused_in_the_process_without_a_query(db, django_assert_num_queries):
    at = START
    first_at, first = metrics.recent_entity_figures(at=at)
    with django_assert_num_queries(0):
        again_at, again = metrics.recent_entity_figures(at=at + dt.timedelta(seconds=59))
    assert (again_at, again) == (first_at, first)
    again.clear()  # the caller's list is its own
    assert metrics.recent_entity_figures(at=at + dt.timedelta(seconds=59))[1] == first
    assert metrics.recent_entity_figures(at=at + dt.timedelta(seconds=61))[0] == at + dt.timedelta(seconds=61)


def test_instants_at_the_edges_of_the_windows_count_as_the_clock_moves(entity_factory, time_machine):
    """Password logins and certificate expiries near the edges of the "recent" and "expiring soon" windows (listed in
    the snapshot) and well inside them (only counted there) give the count from the members at every instant the
    snapshot answers for."""
    time_machine.move_to(START, tick=False)
    entity = entity_factory()
    recent = dt.timedelta(days=metrics.PASSWORD_RECENT_DAYS)
    soon = dt.timedelta(days=metrics.EXPIRY_SOON_DAYS)
    hour = dt.timedelta(hours=1)
    offsets = (-2 * hour, hour, 5 * hour, 30 * hour, tally.VALID - hour, tally.VALID + hour, dt.timedelta(days=10))
    for n, offset in enumerate(offsets):
        member = Member.objects.create(
            cpf=valid_cpf(random.Random(n)),
            name=f"Membro {n}",
            last_password_login_at=START - recent + offset,
            certificate_not_after=START + offset if n % 2 else START + soon + offset,
        )
        Membership.objects.create(member=member, entity=entity)
    time_machine.move_to(START + tally.MARGIN + hour, tick=False)
    call_command("status_rollup", stdout=io.StringIO())
    taken = TallySnapshot.objects.get().taken_at
    for later in (dt.timedelta(0), 2 * hour, 6 * hour, 31 * hour, tally.VALID - hour, tally.VALID):
        at = taken + later
        assert maintained(at) == from_scratch(at), later
