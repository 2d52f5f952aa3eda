"""``python manage.py demo_crls``: load the demo PKI's CRLs into the store (``make run``), those the trust store can
verify; one line for the others (``CERTAUTH_TRUST_ROOTS`` naming the user's own PKI), which do not stop the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certauth import crl_service
from certauth.demo import DemoPki, split_demo_crls


class Command(BaseCommand):
    help = "Carrega as LCRs da PKI de demonstração cujas ACs estão entre as confiáveis; as outras são ignoradas."

    def handle(self, *args: Any, **options: Any) -> None:
        pki = DemoPki(Path(settings.DEMO_PKI_DIR))
        usable, foreign = split_demo_crls(pki, crl_service.trusted_authorities().values())
        if foreign:
            self.stdout.write(
                f"LCRs de demonstração ignoradas ({len(foreign)}): as ACs de demonstração não estão entre as "
                "confiáveis (CERTAUTH_TRUST_ROOTS, CERTAUTH_INTERMEDIATES)."
            )
        if not usable:
            return
        reports = crl_service.import_files(usable)
        failed = [r for r in reports if not r.ok]
        for report in failed:
            self.stderr.write(f"falha {report.subject}: {report.message}")
        if failed:
            raise CommandError(f"{len(failed)} LCR(s) de demonstração recusada(s).")
        self.stdout.write(f"LCRs de demonstração carregadas: {len(reports)}.")
