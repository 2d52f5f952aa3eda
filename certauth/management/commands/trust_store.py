"""``python manage.py trust_store import FILE_OR_URL [--dry-run] | status [--format json]``: the ACs trusted for
path building, kept up to date from ITI's published bundle without a release."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certauth import trust_store
from certauth.icp.bundle import BundleError


class Command(BaseCommand):
    help = "Repositório de confiança (ACs ICP-Brasil): importar o pacote do ITI, ver a situação."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser("import", help="lê o pacote do ITI (ACcompactado.zip, PEM ou .p7b), arquivo ou URL")
        imported.add_argument("source", help="caminho do arquivo ou endereço http(s)")
        imported.add_argument("--dry-run", action="store_true", help="mostra o que mudaria, sem gravar nada")
        shown = sub.add_parser("status", help="ACs por raiz, próximos vencimentos, última importação")
        shown.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self.print_status(options["format"])
            return
        try:
            result = trust_store.import_bundle(options["source"], now=timezone.now(), dry_run=options["dry_run"])
        except BundleError as exc:
            raise CommandError(f"Pacote recusado, nada foi alterado: {exc}") from None
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(result.summary())

    def print_status(self, output: str) -> None:
        state = trust_store.status(now=timezone.now())
        if output == "json":
            self.stdout.write(json.dumps(state.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"Geração {state.generation}: {state.shipped} AC(s) da pasta distribuída, {state.stored} do banco "
            f"({state.retired} retirada(s))."
        )
        self.stdout.write("ACs válidas por raiz:")
        for root, count in state.per_root.items():
            self.stdout.write(f"  {count:>4}  {root}")
        self.stdout.write(f"Vencem em até 30 dias: {len(state.expiring)}")
        for item in state.expiring:
            self.stdout.write(f"  {item.not_after:%d/%m/%Y}  {item.name} ({item.source})")
        if state.expired:
            self.stdout.write(f"Já vencidas (não servem mais para validar): {len(state.expired)}")
        last = state.last_import
        if last is None:
            self.stdout.write("Última importação: nenhuma (só a pasta distribuída com o portal).")
        else:
            self.stdout.write(
                f"Última importação: {timezone.localtime(last.created_at):%d/%m/%Y %H:%M} de {last.source} — "
                f"{last.added} incluída(s), {last.expired} vencida(s), {last.removed} retirada(s), "
                f"{last.refused} recusada(s)."
            )
