"""``python manage.py load_demo``: demo partner entities and members (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.demo import load_demo_data


class Command(BaseCommand):
    help = "Carrega as entidades parceiras e os membros de demonstração (pode ser repetido)."

    def handle(self, *args: Any, **options: Any) -> None:
        entities, members = load_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Demonstração: {entities} entidades, {members} membros."))
