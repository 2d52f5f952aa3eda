"""``python manage.py load_demo``: demo partner entities and members (idempotent), keeping what the database
already holds under the demo's keys (one line names it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from certauth.demo import DemoPki, demo_root_trusted
from certauth.validator import get_trust_store
from oidc.demo import register_pat_demo
from portal.demo import load_demo_data


class Command(BaseCommand):
    help = "Carrega as entidades parceiras e os membros de demonstração (pode ser repetido)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo PSC's holders have demo certificates: offered only where the demo root is trusted.
        # (No demo PKI yet — `load_demo` before `demo_pki` — means no demo certificate either: the trust store, which
        # would name the missing demo root, is not even built.)
        pki = DemoPki(Path(settings.DEMO_PKI_DIR))
        psc = pki.root.exists() and demo_root_trusted(pki, get_trust_store().roots)
        load = load_demo_data(register_psc=psc)
        self.stdout.write(self.style.SUCCESS(load.summary()) if not load.kept else load.summary())
        # The PAT stand-in (patdemo) as a client of the OpenID provider, its secret made into var/oidc/.
        self.stdout.write(register_pat_demo().summary())
