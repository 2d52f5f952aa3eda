"""``python manage.py audit purge [--days N] [--dry-run]``: delete login attempts older than the retention period
(``CERTAUTH_AUDIT_RETENTION_DAYS``), in batches, so the audit keeps personal data only as long as needed (LGPD)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certauth.audit import purge_before
from certauth.conf import settings


class Command(BaseCommand):
    help = "Auditoria de acessos: remove tentativas de login mais antigas que o prazo de retenção."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="remove tentativas mais antigas que o prazo de retenção")
        purge.add_argument(
            "--days", type=int, default=None, help="prazo em dias (padrão: CERTAUTH_AUDIT_RETENTION_DAYS)"
        )
        purge.add_argument("--dry-run", action="store_true", help="só conta, não remove")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else int(settings.AUDIT_RETENTION_DAYS)
        if days < 1:
            raise CommandError("O prazo de retenção deve ser de pelo menos 1 dia.")
        cutoff = timezone.now() - dt.timedelta(days=days)
        count = purge_before(cutoff, dry_run=options["dry_run"])
        verb = "seriam removidas" if options["dry_run"] else "removidas"
        self.stdout.write(f"{count} tentativa(s) anterior(es) a {timezone.localtime(cutoff):%d/%m/%Y %H:%M} {verb}.")
