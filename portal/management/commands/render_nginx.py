"""``python manage.py render_nginx``: write nginx's configuration from the settings (for a production host)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.serving.config import site_from_settings
from portal.serving.nginx import check_config, render


class Command(BaseCommand):
    help = "Gera a configuração do nginx (portal e host de login com certificado) a partir das configurações."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="valida com nginx -t depois de gerar")

    def handle(self, *args: Any, **options: Any) -> None:
        site = site_from_settings()
        path = render(site)
        if options["check"]:
            check_config(site)
        self.stdout.write(self.style.SUCCESS(f"Configuração do nginx gerada em {path}"))
