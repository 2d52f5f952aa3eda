"""``python manage.py rollout report [--at AAAA-MM-DD[THH:MM:SS]] [--format text|json]``: a dry run of the schedule."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rollout.report import EntityRow, entity_rows, parse_instant
from rollout.schedule import BRASILIA


class Command(BaseCommand):
    help = "Cronograma de migração para o certificado A3: fase e formas de acesso de cada entidade num instante."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="fase e formas de acesso de cada entidade ativa num instante")
        report.add_argument(
            "--at", help="instante, horário de Brasília: AAAA-MM-DD (00:00) ou AAAA-MM-DDTHH:MM:SS; padrão: agora"
        )
        report.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            at = parse_instant(options["at"]) if options["at"] else timezone.now()
        except ValueError as error:
            raise CommandError(str(error)) from None
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
