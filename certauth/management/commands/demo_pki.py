"""``python manage.py demo_pki``: create (or keep) the demo PKI used by ``make run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from certauth.demo import DEMO_CERTIFICATES, P12_PASSWORD, DemoPki, build_demo_pki, publish_demo_crls


class Command(BaseCommand):
    help = "Cria a PKI de demonstração (AC raiz, ACs intermediárias, certificados de teste e do servidor TLS)."
    requires_system_checks: list[str] = []  # the demo root it creates is itself part of the checked trust store

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="destino (padrão: PORTAL_DEMO_PKI_DIR)")
        parser.add_argument("--force", action="store_true", help="recria mesmo que a PKI atual ainda sirva")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"] or Path(settings.DEMO_PKI_DIR)
        hostnames = tuple(dict.fromkeys([settings.PORTAL_HOSTNAME, settings.CERT_LOGIN_HOSTNAME, "localhost"]))
        port = settings.PORTAL_DEMO_CRL_PORT
        crl_base_urls = (f"http://localhost:{port}/lcr", f"http://127.0.0.1:{port}/lcr")
        now = timezone.now()
        pki = DemoPki(directory)
        if not options["force"] and pki.is_current(now=now, hostnames=hostnames, crl_base_urls=crl_base_urls):
            publish_demo_crls(pki, now=now)
            self.stdout.write(f"PKI de demonstração em {directory} (mantida; LCRs assinadas de novo).")
            return
        build_demo_pki(directory, now=now, hostnames=hostnames, crl_base_urls=crl_base_urls)
        self.stdout.write(
            self.style.SUCCESS(
                f"PKI de demonstração criada em {directory}: {len(DEMO_CERTIFICATES)} certificados de pessoa "
                f"(PKCS#12 com senha {P12_PASSWORD})."
            )
        )
