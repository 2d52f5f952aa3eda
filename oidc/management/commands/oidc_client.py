"""``manage.py oidc_client add|list|remove``: the provider's clients, for automation (DESIGN.md).

- ``add --name NAME --redirect-uri URI [--redirect-uri URI…] [--post-logout-redirect-uri URI…]
  [--backchannel-logout-uri URI] [--a3-only] [--scope S…] [--client-id ID] [--format json]`` prints ``client_id``
  and ``client_secret`` (the secret only this once: it is stored hashed);
- ``list [--format json]``: every client, without secrets;
- ``remove CLIENT_ID``: the client, its codes, tokens and session links.

A refused request (a URI that is not exact, an unknown scope or client) exits non-zero with the reason on stderr.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oidc import clients
from oidc.models import Client
from oidc.provider_settings import SCOPES
from portal.wording import counted

TEXT, JSON = "text", "json"


class Command(BaseCommand):
    help = "Registra, lista e remove os clientes OpenID Connect do portal (sistemas do INSS, como o PAT)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{add,list,remove}")
        add = actions.add_parser("add", help="registra um cliente e mostra o seu segredo (uma única vez)")
        add.add_argument("--name", required=True, help="nome do cliente, como a equipe o reconhece")
        add.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            metavar="URI",
            help="URI de redirecionamento exata (repita para mais de uma)",
        )
        add.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            dest="post_logout_redirect_uris",
            metavar="URI",
            help="URI de retorno após o logout iniciado pelo cliente (repita para mais de uma)",
        )
        add.add_argument("--backchannel-logout-uri", default="", metavar="URI", help="recebe o logout token")
        add.add_argument("--a3-only", action="store_true", help="somente sessões abertas com certificado")
        add.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="S",
            help=f"escopo permitido (repita; padrão: todos — {' '.join(SCOPES)}; openid sempre incluído)",
        )
        add.add_argument("--client-id", default=None, help="client_id desejado (padrão: gerado)")
        add.add_argument("--format", choices=[TEXT, JSON], default=TEXT)
        listing = actions.add_parser("list", help="lista os clientes (sem segredos)")
        listing.add_argument("--format", choices=[TEXT, JSON], default=TEXT)
        remove = actions.add_parser("remove", help="remove um cliente e os seus tokens")
        remove.add_argument("client_id", metavar="CLIENT_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"add": self.add, "list": self.list_clients, "remove": self.remove}[options["action"]](options)
        except clients.ClientError as error:
            raise CommandError(str(error)) from None

    def add(self, options: dict[str, Any]) -> None:
        spec = clients.ClientSpec(
            name=options["name"],
            redirect_uris=tuple(options["redirect_uris"]),
            post_logout_redirect_uris=tuple(options["post_logout_redirect_uris"]),
            backchannel_logout_uri=options["backchannel_logout_uri"],
            a3_only=options["a3_only"],
            scopes=tuple(options["scopes"]) if options["scopes"] else None,
        )
        registered = clients.register(spec, client_id=options["client_id"])
        client_id = registered.client.client_id
        if options["format"] == JSON:
            self.stdout.write(json.dumps({"client_id": client_id, "client_secret": registered.secret}))
        else:
            self.stdout.write(f"client_id: {client_id}\nclient_secret: {registered.secret}")

    def list_clients(self, options: dict[str, Any]) -> None:
        described = [clients.describe(c) for c in Client.objects.order_by("name", "pk")]
        if options["format"] == JSON:
            self.stdout.write(json.dumps(described, ensure_ascii=False, indent=2))
            return
        if not described:
            self.stdout.write("Nenhum cliente registrado.")
            return
        for n, client in enumerate(described):
            if n:
                self.stdout.write("")
            self.stdout.write(f"client_id: {client['client_id']}")
            self.stdout.write(f"  nome: {client['name']}")
            for uri in client["redirect_uris"]:
                self.stdout.write(f"  redirecionamento: {uri}")
            for uri in client["post_logout_redirect_uris"]:
                self.stdout.write(f"  retorno após logout: {uri}")
            self.stdout.write(f"  logout por canal de retaguarda: {client['backchannel_logout_uri'] or '—'}")
            self.stdout.write(f"  somente A3: {'sim' if client['a3_only'] else 'não'}")
            self.stdout.write(f"  escopos: {' '.join(client['allowed_scopes'])}")

    def remove(self, options: dict[str, Any]) -> None:
        removed = clients.remove(options["client_id"])
        access = counted(removed.access_tokens, "token de acesso", "tokens de acesso")
        refresh = counted(removed.refresh_tokens, "token de atualização", "tokens de atualização")
        self.stdout.write(f"Cliente {removed.name} removido, com {access} e {refresh}.")
