"""``python manage.py associations remind [--at AAAA-MM-DD[THH:MM:SS]] [--dry-run]``: the associations' summaries
(daily, cron, after ``rollout remind``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from associations.digest import Status, send_due
from rollout.reminders import mask_email
from rollout.report import parse_instant
from rollout.schedule import BRASILIA

REMIND_HELP = (
    "envia a cada associação (ao e-mail de contato e a cada coordenador) um único e-mail com o resumo de todas as "
    "suas entidades cujo lembrete antes da data do A3 obrigatório está devido (as mesmas etapas de "
    "ROLLOUT_REMINDER_DAYS); no máximo um por dia a cada destinatário, e só quando uma entidade alcançou uma etapa "
    "que o último resumo não cobriu. Um envio que falhar é tentado de novo na execução seguinte (status de saída 2)."
)


class Command(BaseCommand):
    help = "Associações de entidades: resumo por e-mail da migração para o A3 das suas entidades (remind)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="envia os resumos devidos às associações", description=REMIND_HELP)
        remind.add_argument(
            "--at", help="instante, horário de Brasília: AAAA-MM-DD (00:00) ou AAAA-MM-DDTHH:MM:SS; padrão: agora"
        )
        remind.add_argument(
            "--dry-run", action="store_true", help="mostra o que seria enviado, sem enviar nem registrar nada"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            at = parse_instant(options["at"]) if options["at"] else timezone.now()
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.remind(at, dry_run=options["dry_run"])

    def remind(self, at: dt.datetime, *, dry_run: bool) -> None:
        when = f"{at.astimezone(BRASILIA):%d/%m/%Y %H:%M:%S}"
        self.stdout.write(f"Resumos devidos em {when} (horário de Brasília){' — simulação' if dry_run else ''}")
        counts: Counter[Status] = Counter()
        for outcome in send_due(at, dry_run=dry_run):
            counts[outcome.status] += 1
            digest = outcome.digest
            line = (
                f"{outcome.status.value:<9} {digest.association.code:<16} {mask_email(digest.recipient)} "
                f"({len(digest.rows)} entidade(s))"
            )
            self.stdout.write(self.style.ERROR(f"{line}  ({outcome.error})") if outcome.error else line)
        if dry_run:
            self.stdout.write(f"{counts[Status.DRY_RUN]} resumo(s) seriam enviados — simulação: nada foi enviado.")
        else:
            self.stdout.write(f"{counts[Status.SENT]} resumo(s) enviado(s), {counts[Status.FAILED]} falha(s).")
        if counts[Status.FAILED]:
            raise CommandError(
                f"{counts[Status.FAILED]} resumo(s) não enviado(s): serão tentados de novo na próxima execução.",
                returncode=2,
            )
