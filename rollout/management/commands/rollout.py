"""``python manage.py rollout report [--at AAAA-MM-DD[THH:MM:SS]] [--format text|json]``: a dry run of the schedule.

``python manage.py rollout remind [--at AAAA-MM-DD[THH:MM:SS]] [--dry-run]``: the e-mail reminders due (daily, cron).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rollout.conf import settings as rollout_settings
from rollout.reminder_rule import validated_steps
from rollout.reminders import Outcome, Status, mask_email, send_due
from rollout.report import EntityRow, entity_rows, parse_instant
from rollout.schedule import BRASILIA

REMIND_HELP = (
    "envia os lembretes de e-mail devidos (rodar diariamente pelo cron): antes da data do A3 obrigatório, na etapa "
    "mais urgente alcançada (ROLLOUT_REMINDER_DAYS, padrão 30, 7 e 1 dias; dias perdidos pelo cron não geram uma "
    "rajada de avisos), aos contatos da entidade e aos membros ativos que ainda não entraram com certificado A3; "
    "uma vez após a data, aos que perderam o acesso e aos contatos, mas só até ROLLOUT_REMINDER_AFTER_DAYS dias "
    "depois dela (padrão 7: a primeira instalação não escreve a quem perdeu o acesso em 2024); e aos membros cujo "
    "certificado vence em até ROLLOUT_CERTIFICATE_EXPIRY_DAYS dias (padrão 30). Nenhum lembrete é enviado duas "
    "vezes; um envio que falhar é tentado de novo na execução seguinte (status de saída 2)."
)


class Command(BaseCommand):
    help = (
        "Cronograma de migração para o certificado A3: fase e formas de acesso de cada entidade num instante "
        "(report) e lembretes por e-mail sobre a perda do acesso com senha e o vencimento de certificados (remind)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="fase e formas de acesso de cada entidade ativa num instante")
        report.add_argument(
            "--at", help="instante, horário de Brasília: AAAA-MM-DD (00:00) ou AAAA-MM-DDTHH:MM:SS; padrão: agora"
        )
        report.add_argument("--format", choices=("text", "json"), default="text")
        remind = sub.add_parser("remind", help="envia os lembretes de e-mail devidos", description=REMIND_HELP)
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
        if options["action"] == "remind":
            self.remind(at, dry_run=options["dry_run"])
            return
        rows = entity_rows(at=at)
        if options["format"] == "json":
            self.stdout.write(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
            return
        self.write_text(rows, at)

    def write_text(self, rows: list[EntityRow], at: Any) -> None:
        self.stdout.write(f"Situação em {at.astimezone(BRASILIA):%d/%m/%Y %H:%M:%S} (horário de Brasília)")
        for region, group in groupby(rows, key=lambda r: r.superintendencia):
            entities = list(group)
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"Superintendência {region or '(UF sem superintendência)'}"))
            for row in entities:
                decision = row.decision
                methods = "certificado A3 e senha" if decision.password_allowed else "somente certificado A3"
                cutover = (
                    f"A3 obrigatório a partir de {decision.cutover_at.astimezone(BRASILIA):%d/%m/%Y %H:%M}"
                    if decision.cutover_at
                    else "data a definir"
                )
                self.stdout.write(
                    f"  {row.code:<16} {row.uf}  {decision.phase.label:<22} {methods:<24} {cutover:<40} "
                    f"prontos: {row.members_ready}/{row.members}"
                )
        ready = sum(r.members_ready for r in rows)
        members = sum(r.members for r in rows)
        password = sum(r.decision.password_allowed for r in rows)
        self.stdout.write("")
        self.stdout.write(
            f"{len(rows)} entidade(s) ativa(s); {password} ainda com senha; "
            f"{ready} de {members} vínculo(s) de membros já entraram com certificado A3."
        )

    def remind(self, at: dt.datetime, *, dry_run: bool) -> None:
        try:
            validated_steps(rollout_settings.REMINDER_DAYS)
        except ValueError as error:
            raise CommandError(f"ROLLOUT_REMINDER_DAYS: {error}") from None
        when = f"{at.astimezone(BRASILIA):%d/%m/%Y %H:%M:%S}"
        self.stdout.write(f"Lembretes devidos em {when} (horário de Brasília){' — simulação' if dry_run else ''}")
        counts: Counter[Status] = Counter()
        kinds: Counter[str] = Counter()
        for outcome in send_due(at, dry_run=dry_run):
            counts[outcome.status] += 1
            if outcome.status != Status.FAILED:
                kinds[outcome.outgoing.kind.label] += 1
            self.write_outcome(outcome)
        detail = "; ".join(f"{label}: {n}" for label, n in sorted(kinds.items()))
        if dry_run:
            summary = f"{counts[Status.DRY_RUN]} lembrete(s) seriam enviados"
        else:
            summary = f"{counts[Status.SENT]} lembrete(s) enviado(s), {counts[Status.FAILED]} falha(s)"
        note = " — simulação: nada foi enviado nem registrado" if dry_run else ""
        self.stdout.write(f"{summary}{f' ({detail})' if detail else ''}{note}.")
        if counts[Status.FAILED]:
            raise CommandError(
                f"{counts[Status.FAILED]} lembrete(s) não enviado(s): serão tentados de novo na próxima execução.",
                returncode=2,
            )

    def write_outcome(self, outcome: Outcome) -> None:
        message = outcome.outgoing
        kind = message.kind.value + (f" {message.step_days}d" if message.step_days else "")
        entity = message.entity.code if message.entity else "-"
        line = f"{outcome.status.value:<8} {kind:<20} {entity:<16} {mask_email(message.recipient)}"
        if outcome.status == Status.FAILED:
            self.stdout.write(self.style.ERROR(f"{line}  ({outcome.error})"))
        else:
            self.stdout.write(line)
