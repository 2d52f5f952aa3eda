"""The admin permission matrix: every registered ModelAdmin and every URL it provides — its own, those of the
libraries mixed into it (django-simple-history's history and revert form, django-import-export's import,
confirmation and export), its bulk actions — and the site's own (autocomplete, "view on site", the app pages), for
every staff group, on rows inside and outside the group's regional scope.

Each cell is one test, named ``<admin>|<url kind>|<method>|<group>|<scope>`` (scope: ``in`` or ``out`` of the
group's superintendência, ``all`` where there is no row). A cell expects:

- the status of the rules below (``RULES``: what each kind of URL answers when the group may, may not, or the row is
  outside its scope);
- on a list (changelist, export file, autocomplete), the row in scope listed and the row out of scope not listed;
- on a write, the database (every table: the history tables and the admin log included) unchanged when the write
  is refused — and changed when the same write by a group that may is expected to go through (a change, a revert,
  a delete, an import's confirmation, a bulk action), so that those refused payloads are ones that would have been
  written. (An add is refused with an empty form; an import's upload and a deletion's first step only preview.)

The URLs come from ``admin.site`` itself: a URL, bulk action or admin the tables here do not know (a new admin, a
library upgrade) fails ``test_every_admin_url_is_classified`` until it is classified here.

The rows and the logged-in clients are made once for the module (in a transaction rolled back at its end); each
cell runs in its own savepoint. Staff log in as ``staff_login`` does: with their own A3 certificate.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import html.parser
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connection, models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django.utils.html import escape
from simple_history.admin import SimpleHistoryAdmin

from associations.models import AssociatedEntity, Association, Coordinator
from certauth import crl_store
from certauth.icp.builder import PersonSpec
from certauth.models import CrlIssuer, LoginAttempt, LoginMethod, Outcome
from cloudauth import sealing
from cloudauth.models import Provider
from managers.models import EntityManager
from oidc import clients
from oidc.models import LogoutDelivery, SessionClient
from portal.admin_history import ScopedHistoryAdmin
from portal.models import EntitySelection, Member, Membership, PartnerEntity, User
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, gex_group_names, regional_group_name
from rollout.models import EntityOverride, GerenciaExecutiva, Reminder, Superintendencia, Wave, Webinar
from rollout.regions import SUPERINTENDENCIAS
from support.models import ReferenceLookup
from support.roles import SUPPORT_GROUP
from tests.conftest import PROXY_SECRET, valid_cpf
from tests.pki import escaped

pytestmark = pytest.mark.django_db

# --- the policy ----------------------------------------------------------------------------------------------------

VIEW, ADD, CHANGE, DELETE, IMPORT, EXPORT = "view", "add", "change", "delete", "import", "export"
RETRY = "retry"  # a back-channel logout delivered again now (oidc.admin)


@dataclass(frozen=True)
class AdminPolicy:
    offers: frozenset[str]  # what the admin offers at all (to a superuser)
    scoped: bool = False  # a superintendência's staff see only the rows of its UFs


ADMINS: dict[str, AdminPolicy] = {
    "auth.group": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE})),
    "axes.accessattempt": AdminPolicy(frozenset({VIEW, CHANGE, DELETE})),
    "axes.accesslog": AdminPolicy(frozenset({VIEW, CHANGE, DELETE})),
    "axes.accessfailurelog": AdminPolicy(frozenset({VIEW, CHANGE, DELETE})),
    "certauth.loginattempt": AdminPolicy(frozenset({VIEW}), scoped=True),
    "certauth.crlissuer": AdminPolicy(frozenset({VIEW})),  # filled by `crl refresh`/`import` and by logins
    # The trust store's ACs and imports: filled by `trust_store import` and AIA fetches, read-only (issue 17).
    "certauth.trustedauthority": AdminPolicy(frozenset({VIEW})),
    "certauth.truststoreimport": AdminPolicy(frozenset({VIEW})),
    "cloudauth.provider": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE})),
    "portal.user": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE})),
    "portal.partnerentity": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE, IMPORT, EXPORT}), scoped=True),
    "portal.member": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE, IMPORT, EXPORT}), scoped=True),
    "portal.entityselection": AdminPolicy(frozenset({VIEW, DELETE})),
    # Entity managers (managers/): named by staff; memberships one by one, for their history and its undo.
    "managers.entitymanager": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    "portal.membership": AdminPolicy(frozenset({VIEW, CHANGE}), scoped=True),
    # Associations (associations/): staff create them with their entities and name their coordinators.
    "associations.association": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    "associations.coordinator": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    "rollout.wave": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE})),
    "rollout.entityoverride": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    "rollout.superintendencia": AdminPolicy(frozenset({VIEW, CHANGE}), scoped=True),
    "rollout.reminder": AdminPolicy(frozenset({VIEW}), scoped=True),
    # Webinars: a superintendência's staff read its own and the national ones (tests/rollout/test_webinar_admin.py)
    "rollout.webinar": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    # Gerências-Executivas: loaded by the management group; a superintendência's staff read its own.
    "rollout.gerenciaexecutiva": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE}), scoped=True),
    # The OpenID provider's clients: superusers only (no group is granted anything on them, whatever it holds).
    "oidc.client": AdminPolicy(frozenset({VIEW, ADD, CHANGE, DELETE})),
    # Back-channel logouts owed to clients and the session links behind them: read-only, retried by "Tentar agora".
    "oidc.logoutdelivery": AdminPolicy(frozenset({VIEW, RETRY})),
    "oidc.sessionclient": AdminPolicy(frozenset({VIEW})),
    # The log of the support desk's lookups by reference: superusers only, read-only (tests/support/).
    "support.referencelookup": AdminPolicy(frozenset({VIEW})),
}

# What each staff group may do (portal/groups.py's documented policy, written out here independently).
_READING: dict[str, set[str]] = {
    "portal.partnerentity": {VIEW, EXPORT},  # entities without personal data
    "portal.member": {VIEW},  # members' personal data (CPF, e-mail) is not exported (LGPD)
    "rollout.wave": {VIEW},
    "rollout.entityoverride": {VIEW},
    "rollout.superintendencia": {VIEW},
    "rollout.reminder": {VIEW},
    "rollout.webinar": {VIEW},
    "rollout.gerenciaexecutiva": {VIEW},
    "certauth.loginattempt": {VIEW},
    "managers.entitymanager": {VIEW},
    "portal.membership": {VIEW},
    "associations.association": {VIEW},
    "associations.coordinator": {VIEW},
}
GRANTS: dict[str, dict[str, set[str]]] = {
    "gestao": {
        **_READING,
        "portal.partnerentity": {VIEW, ADD, CHANGE, IMPORT, EXPORT},
        "portal.member": {VIEW, ADD, CHANGE, IMPORT, EXPORT},
        "managers.entitymanager": {VIEW, ADD, CHANGE},
        "portal.membership": {VIEW, CHANGE},
        "associations.association": {VIEW, ADD, CHANGE},
        "associations.coordinator": {VIEW, ADD, CHANGE},
        "rollout.wave": {VIEW, ADD, CHANGE, DELETE},
        "rollout.entityoverride": {VIEW, ADD, CHANGE, DELETE},
        "rollout.webinar": {VIEW, ADD, CHANGE, DELETE},
        "rollout.gerenciaexecutiva": {VIEW, ADD, CHANGE, DELETE},
        "certauth.crlissuer": {VIEW},
        "certauth.trustedauthority": {VIEW},
        "certauth.truststoreimport": {VIEW},
        "oidc.logoutdelivery": {VIEW, RETRY},
        "oidc.sessionclient": {VIEW},
    },
    "consulta-nacional": {
        **_READING,
        "certauth.crlissuer": {VIEW},
        "certauth.trustedauthority": {VIEW},
        "certauth.truststoreimport": {VIEW},
        "oidc.logoutdelivery": {VIEW},
        "oidc.sessionclient": {VIEW},
    },
    "regional": _READING,
    # A Gerência-Executiva's groups (portal.groups.ensure_gex_groups): the regional reading, scoped to its entities
    # (associations and entity managers are not granted to them); its management group changes those entities and
    # their members.
    "gex-consulta": {k: v for k, v in _READING.items() if not k.startswith(("associations.", "managers."))},
    "gex-gestao": {
        **{k: v for k, v in _READING.items() if not k.startswith(("associations.", "managers."))},
        "portal.partnerentity": {VIEW, CHANGE, EXPORT},
        "portal.member": {VIEW, CHANGE},
        "portal.membership": {VIEW, CHANGE},
    },
    "suporte": {},  # the support desk: the lookup page only (support/), nothing in the admin
}


@dataclass(frozen=True)
class Actor:
    name: str
    groups: tuple[str, ...] = ()
    superuser: bool = False
    region: str | None = None  # a superintendência's code: its staff see only its UFs
    no_region: bool = False  # a group with no superintendência and no national scope sees no row of a scoped admin
    gex: bool = False  # a GEX's staff (``region``: its superintendência) see only the entities assigned to the GEX

    def may(self, model: str, verb: str | None) -> bool:
        offered = ADMINS[model].offers
        if verb is None:
            return True
        if self.superuser:
            return verb in offered
        grants = GRANTS["regional" if self.region and not self.gex else self.name]
        return verb in offered and verb in grants.get(model, set())


#: The Gerência-Executiva of the GEX actors: the first superintendência's, holding that superintendência's entity.
MATRIX_GEX = f"GEX {SUPERINTENDENCIAS[0].name}"
#: Scoped admins whose rows belong to a superintendência, not to an entity: a GEX's staff see none of them.
BY_SUPERINTENDENCIA = frozenset(
    {
        "rollout.superintendencia",
        "rollout.reminder",
        "rollout.webinar",
        "associations.association",
        "associations.coordinator",
    }
)

ACTORS: tuple[Actor, ...] = (
    Actor("gestao", (MANAGEMENT_GROUP,)),
    Actor("consulta-nacional", (NATIONAL_VIEW_GROUP,)),
    *(Actor(f"regional-{r.code}", (regional_group_name(r.name),), region=r.code) for r in SUPERINTENDENCIAS),
    Actor("suporte", (SUPPORT_GROUP,), no_region=True),
    Actor("gex-consulta", (gex_group_names(MATRIX_GEX)[0],), region=SUPERINTENDENCIAS[0].code, gex=True),
    Actor("gex-gestao", (gex_group_names(MATRIX_GEX)[1],), region=SUPERINTENDENCIAS[0].code, gex=True),
    Actor("superusuario", superuser=True),
)
ACTOR = {actor.name: actor for actor in ACTORS}


@dataclass(frozen=True)
class Answer:
    status: int
    writes: bool = False  # the database changes (checked both ways on a POST)


@dataclass(frozen=True)
class Rule:
    needs: str | None  # the verb the group must hold (None: any staff member)
    allowed: Answer
    refused: Answer  # the group lacks the verb
    hidden: Answer | None = None  # the group holds it but the row is outside its scope
    scope_first: bool = False  # an out-of-scope row answers ``hidden`` before any permission check


NOT_FOUND_REDIRECT = Answer(302)  # Django's change/delete pages: "does not exist", back to the index
RULES: dict[tuple[str, str], Rule] = {
    ("changelist", "GET"): Rule(VIEW, Answer(200), Answer(403)),  # out of scope: not listed
    ("add", "GET"): Rule(ADD, Answer(200), Answer(403)),
    ("add", "POST"): Rule(ADD, Answer(200), Answer(403)),  # an empty form: shown again with its errors
    ("change", "GET"): Rule(VIEW, Answer(200), Answer(403), NOT_FOUND_REDIRECT),
    ("change", "POST"): Rule(CHANGE, Answer(302, writes=True), Answer(403), NOT_FOUND_REDIRECT),
    ("delete", "GET"): Rule(DELETE, Answer(200), Answer(403), NOT_FOUND_REDIRECT),
    ("delete", "POST"): Rule(DELETE, Answer(302, writes=True), Answer(403), NOT_FOUND_REDIRECT),
    # Django's own history page (the admin log), for the admins without django-simple-history
    ("log_history", "GET"): Rule(VIEW, Answer(200), Answer(403), NOT_FOUND_REDIRECT, scope_first=True),
    # django-simple-history's list and revert form (portal.admin_history.ScopedHistoryAdmin)
    ("history", "GET"): Rule(VIEW, Answer(200), Answer(403), Answer(404), scope_first=True),
    ("revert", "GET"): Rule(VIEW, Answer(200), Answer(403), Answer(404), scope_first=True),
    ("revert", "POST"): Rule(CHANGE, Answer(302, writes=True), Answer(403), Answer(404), scope_first=True),
    ("object_redirect", "GET"): Rule(None, Answer(302), Answer(302), Answer(302)),  # to the change page
    ("view_on_site", "GET"): Rule(None, Answer(404), Answer(404), Answer(404)),  # no model has a public page
    ("password", "GET"): Rule(CHANGE, Answer(200), Answer(403)),
    ("password", "POST"): Rule(CHANGE, Answer(302, writes=True), Answer(403)),
    ("import", "GET"): Rule(IMPORT, Answer(200), Answer(403)),
    ("import", "POST"): Rule(IMPORT, Answer(200), Answer(403)),  # the preview: nothing written yet
    ("process_import", "POST"): Rule(IMPORT, Answer(302, writes=True), Answer(403)),
    ("export", "GET"): Rule(EXPORT, Answer(200), Answer(403)),
    ("export", "POST"): Rule(EXPORT, Answer(200), Answer(403)),  # out of scope: not in the file
    ("autocomplete", "GET"): Rule(VIEW, Answer(200), Answer(403)),  # out of scope: not among the results
}
# The same URL kind answering otherwise for one admin, and why.
EXCEPTIONS: dict[tuple[str, str, str], Answer] = {
    # reverting a wave or an entity date shows the impact preview first (confirmed on the same page)
    ("rollout.wave", "revert", "POST"): Answer(200),
    ("rollout.entityoverride", "revert", "POST"): Answer(200),
    # deleting an entity would delete its reminders, a record nobody may delete (not even a superuser)
    # a GEX with entities is not deleted (PROTECT): the page says which entities keep it
    ("rollout.gerenciaexecutiva", "delete", "POST"): Answer(200),
    ("portal.partnerentity", "delete", "POST"): Answer(403),
}
# Bulk actions (POST to the changelist): the verb each needs, and what it answers when allowed.
ACTIONS: dict[str, tuple[str, Answer]] = {
    "delete_selected": (DELETE, Answer(200)),  # the confirmation page; nothing deleted yet
    "suspend": (CHANGE, Answer(302, writes=True)),
    "reactivate": (CHANGE, Answer(302, writes=True)),
    "cleanup_expired_attempts": (DELETE, Answer(302)),  # django-axes' (portal.admin): none has expired here
    "end_sessions": (CHANGE, Answer(302)),  # marks the member's session rows: none is open here
    "end_member_sessions": (CHANGE, Answer(302)),
    "regenerate_secret": (CHANGE, Answer(200)),  # the confirmation page: the secret is not replaced yet
    "retry_now": (RETRY, Answer(302, writes=True)),  # the delivery is due now
}
# An action the group may not run is not offered: "no action selected" (back to the list) when others are, the
# list shown again when none is; nothing done either way.
ACTION_REFUSED, NO_ACTION_OFFERED = Answer(302), Answer(200)
# The site's own pages, the same for every staff member.
SITE: dict[tuple[str, str], Answer] = {
    ("index", "GET"): Answer(200),
    ("login", "GET"): Answer(302),  # already in: on to the admin
    ("login", "POST"): Answer(403),  # no password login for staff
    ("logout", "GET"): Answer(405),  # only by POST
    ("password_change", "GET"): Answer(200),
    ("password_change_done", "GET"): Answer(200),
    ("jsi18n", "GET"): Answer(200),
    ("catch_all", "GET"): Answer(404),
}
SITE_URL_NAMES = {"index", "login", "logout", "password_change", "password_change_done", "jsi18n"}
# Import and export need a sample file and a column that names each row.
IMPORT_SAMPLES: dict[str, str] = {
    "portal.partnerentity": (
        "code,name,kind,uf,act_number,act_signed_on,contact_email\nIMPORTADA-1,Importada,municipio,BA,,,\n"
    ),
    "portal.member": "entity_code,cpf,name,email,oab_number,oab_uf\n{entity_code},{cpf},Membro importado,,,\n",
}
EXPORT_MARKERS: dict[str, str] = {"portal.partnerentity": "code", "portal.member": "cpf"}

_SUFFIX_KINDS = {
    "changelist": "changelist",
    "add": "add",
    "change": "change",
    "delete": "delete",
    "simple_history": "revert",
    "import": "import",
    "process_import": "process_import",
    "export": "export",
}
_METHODS = {
    "changelist": ("GET",),
    "add": ("GET", "POST"),
    "change": ("GET", "POST"),
    "delete": ("GET", "POST"),
    "log_history": ("GET",),
    "history": ("GET",),
    "revert": ("GET", "POST"),
    "object_redirect": ("GET",),
    "view_on_site": ("GET",),
    "password": ("GET", "POST"),
    "import": ("GET", "POST"),
    "process_import": ("POST",),
    "export": ("GET", "POST"),
    "autocomplete": ("GET",),
}
_ONE_ROW = {"change", "delete", "log_history", "history", "revert", "object_redirect", "view_on_site", "password"}
_LISTS = {("changelist", "GET"), ("export", "POST"), ("autocomplete", "GET")}


# --- the URLs the admin site provides, classified --------------------------------------------------------------


def model_url_kind(model_admin: admin.ModelAdmin[Any], pattern: URLPattern) -> str | None:
    opts = model_admin.opts
    if pattern.name is None:
        return "object_redirect" if str(pattern.pattern) == "<path:object_id>/" else None
    if pattern.name == "auth_user_password_change" and opts.label_lower == "portal.user":
        return "password"
    prefix = f"{opts.app_label}_{opts.model_name}_"
    if not pattern.name.startswith(prefix):
        return None
    suffix = pattern.name.removeprefix(prefix)
    if suffix == "history":
        return "history" if isinstance(model_admin, SimpleHistoryAdmin) else "log_history"
    return _SUFFIX_KINDS.get(suffix)


def site_url_kind(pattern: URLPattern) -> str | None:
    if pattern.name in SITE_URL_NAMES or pattern.name in {"autocomplete", "view_on_site", "app_list"}:
        return pattern.name
    if pattern.name is None and str(pattern.pattern) == "(?P<url>.*)$":
        return "catch_all"
    return None


def classified_urls() -> tuple[list[tuple[str, str]], list[str]]:
    """``(admin label, url kind)`` of every admin URL, and a description of each one the matrix does not know."""
    found: list[tuple[str, str]] = []
    unknown: list[str] = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label not in ADMINS:
            unknown.append(f"admin {label} (add it to ADMINS)")
            continue
        for pattern in model_admin.get_urls():
            kind = model_url_kind(model_admin, pattern) if isinstance(pattern, URLPattern) else None
            if kind is None:
                unknown.append(f"{label}: {pattern.pattern} (name {getattr(pattern, 'name', None)!r})")
            else:
                found.append((label, kind))
        for _, name, _ in model_admin._get_base_actions():
            if name not in ACTIONS:
                unknown.append(f"{label}: bulk action {name!r} (add it to ACTIONS)")
            found.append((label, f"action:{name}"))
        found.append((label, "view_on_site"))
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLResolver):
            continue  # a model admin's URLs, above
        kind = site_url_kind(pattern)
        if kind is None:
            unknown.append(f"site: {pattern.pattern} (name {pattern.name!r})")
        elif kind not in {"autocomplete", "view_on_site", "app_list"}:
            found.append(("site", kind))
    for label, kind in found:
        if kind == "import" and label not in IMPORT_SAMPLES:
            unknown.append(f"{label}: import without a sample (add it to IMPORT_SAMPLES)")
        if kind == "export" and label not in EXPORT_MARKERS:
            unknown.append(f"{label}: export without a marker column (add it to EXPORT_MARKERS)")
    return found, unknown


def _actions(label: str) -> list[str]:
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    return [name for _, name, _ in model_admin._get_base_actions()]


@functools.cache
def autocomplete_sources() -> dict[str, tuple[str, str, str]]:
    """For each admin that autocomplete can reach: one foreign key pointing at its model ``(app, model, field)``.

    Django's autocomplete view answers for any foreign key of any model, whatever the admin declared: what it shows
    is the target admin's ``get_queryset`` and permission."""
    sources: dict[str, tuple[str, str, str]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
                continue
            target = field.related_model
            if target is None or target == "self":
                continue
            label = target._meta.label_lower  # type: ignore[union-attr]
            if label in ADMINS and label not in sources:
                sources[label] = (model._meta.app_label, model._meta.model_name or "", field.name)
    return sources


@dataclass(frozen=True)
class Cell:
    admin: str  # "portal.partnerentity", "site", or "app:portal"
    kind: str
    method: str
    actor: str
    scope: str  # "in" / "out" of the actor's superintendência, or "all"

    @property
    def id(self) -> str:
        return f"{self.admin}|{self.kind}|{self.method}|{self.actor}|{self.scope}"


def _scopes(label: str, kind: str, method: str, actor: Actor) -> tuple[str, ...]:
    rowed = kind in _ONE_ROW or kind.startswith("action:") or (kind, method) in _LISTS
    if not rowed:
        return ("all",)
    return ("in", "out") if actor.region and ADMINS[label].scoped else ("in",)


def cells() -> list[Cell]:
    found, _ = classified_urls()
    result: list[Cell] = []
    for label, kind in found:
        methods = ("POST",) if kind.startswith("action:") else _METHODS.get(kind, ("GET", "POST"))
        if label == "site":
            methods = tuple(m for m in ("GET", "POST") if (kind, m) in SITE)
        for method in methods:
            for actor in ACTORS:
                scopes = ("all",) if label == "site" else _scopes(label, kind, method, actor)
                result.extend(Cell(label, kind, method, actor.name, scope) for scope in scopes)
    for label in autocomplete_sources():
        for actor in ACTORS:
            scopes = _scopes(label, "autocomplete", "GET", actor)
            result.extend(Cell(label, "autocomplete", "GET", actor.name, scope) for scope in scopes)
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        result.extend(Cell(f"app:{app_label}", "app_list", "GET", actor.name, "all") for actor in ACTORS)
    return result


def expected(cell: Cell) -> tuple[Answer, str]:
    """The answer a cell expects, and the outcome it stems from (allowed, refused, hidden)."""
    actor = ACTOR[cell.actor]
    if cell.admin == "site":
        return SITE[(cell.kind, cell.method)], "allowed"
    if cell.admin.startswith("app:"):
        app_label = cell.admin.removeprefix("app:")
        sees = any(actor.may(m, VIEW) for m in ADMINS if m.startswith(f"{app_label}."))
        return (Answer(200), "allowed") if sees else (Answer(404), "refused")
    in_scope = cell.scope != "out" and not (actor.no_region and ADMINS[cell.admin].scoped)
    in_scope = in_scope and not (actor.gex and cell.admin in BY_SUPERINTENDENCIA)
    if cell.kind.startswith("action:"):
        needs, allowed = ACTIONS[cell.kind.removeprefix("action:")]
        if not actor.may(cell.admin, VIEW):
            return Answer(403), "refused"
        if not actor.may(cell.admin, needs):
            others = [name for name in _actions(cell.admin) if actor.may(cell.admin, ACTIONS[name][0])]
            return (ACTION_REFUSED if others else NO_ACTION_OFFERED), "refused"
        return (allowed, "allowed") if in_scope else (Answer(302), "hidden")  # "select items first"
    rule = RULES[(cell.kind, cell.method)]
    if cell.kind == "autocomplete" and not admin.site.get_model_admin(apps.get_model(cell.admin)).search_fields:
        return Answer(404), "refused"  # Django's autocomplete needs the target admin's search fields
    permitted = actor.may(cell.admin, rule.needs)
    if (cell.kind, cell.method) in _LISTS:
        in_scope = True  # a list answers either way: the row in question is listed or not
    if not in_scope and rule.scope_first:
        return rule.hidden or rule.refused, "hidden"
    if not permitted:
        return rule.refused, "refused"
    if not in_scope:
        return rule.hidden or rule.refused, "hidden"
    return EXCEPTIONS.get((cell.admin, cell.kind, cell.method), rule.allowed), "allowed"


# --- the rows and the clients, once for the module ----------------------------------------------------------------


@dataclass
class World:
    rows: dict[str, dict[str | None, models.Model]]  # admin label → superintendência code (None: national) → row
    clients: dict[str, Client]
    import_cpf: str

    def __post_init__(self) -> None:
        self.cookies = {name: copy.deepcopy(client.cookies) for name, client in self.clients.items()}

    def restore_sessions(self) -> None:
        """Back to the module's session cookies: a cell may cycle its session key (a password change does), and the
        new session is rolled back with the cell."""
        for name, client in self.clients.items():
            client.cookies = copy.deepcopy(self.cookies[name])

    def row(self, label: str, actor: Actor, scope: str) -> models.Model:
        by_region = self.rows[label]
        if None in by_region:
            return by_region[None]
        codes = [r.code for r in SUPERINTENDENCIAS]
        home = actor.region or codes[0]
        if scope == "out":
            return by_region[codes[(codes.index(home) + 1) % len(codes)]]
        return by_region[home]


def _build_rows() -> tuple[dict[str, dict[str | None, models.Model]], str]:
    rows: dict[str, dict[str | None, models.Model]] = {label: {} for label in ADMINS}
    now = timezone.now()
    target = User.objects.create_user(username="conta-alvo", cpf=valid_cpf(900000001), first_name="Alvo")
    for i, region in enumerate(SUPERINTENDENCIAS):
        entity = PartnerEntity.objects.create(
            code=f"MATRIZ-{region.code}",
            name=f"Entidade {region.name}",
            kind="oab",
            uf=region.ufs[0],
            status="active",
            contact_email=f"antes-{i}@exemplo.org.br",
        )
        entity.contact_email = f"depois-{i}@exemplo.org.br"  # a second version: reverting changes the e-mail
        entity.save()
        member = Member.objects.create(cpf=valid_cpf(700000010 + i), name=f"Nome antigo {i}")
        membership = Membership.objects.create(member=member, entity=entity, active=False)
        membership.active = True  # a second version: reverting deactivates it
        membership.save()
        member.name = f"Membro {region.name}"
        member.save()
        manager = EntityManager.objects.create(member=member, entity=entity, notes="antes")
        manager.notes = "depois"
        manager.save()
        rows["portal.membership"][region.code] = membership
        rows["managers.entitymanager"][region.code] = manager
        association = Association.objects.create(code=f"ASSOC-{region.code}", name="Antiga", uf=entity.uf)
        association.name = f"Associação {region.name}"  # a second version: reverting renames it
        association.save()
        AssociatedEntity.objects.create(association=association, entity=entity)
        coordinator = Coordinator.objects.create(member=member, association=association, notes="antes")
        coordinator.notes = "depois"
        coordinator.save()
        rows["associations.association"][region.code] = association
        rows["associations.coordinator"][region.code] = coordinator
        override = EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2020, 1, 1), reason="antes")
        override.cutover_on, override.reason = dt.date(2099, 12, 31), "depois"
        override.save()
        rows["portal.partnerentity"][region.code] = entity
        rows["portal.member"][region.code] = member
        rows["rollout.entityoverride"][region.code] = override
        rows["rollout.superintendencia"][region.code] = Superintendencia.objects.get(code=region.code)
        rows["rollout.reminder"][region.code] = Reminder.objects.create(
            kind=Reminder.Kind.BEFORE_CUTOVER,
            step_days=30,
            entity=entity,
            recipient=f"contato-{i}@exemplo.org.br",
            target_date=dt.date(2099, 12, 31),
            sent_at=now,
        )
        webinar = Webinar.objects.create(
            title=f"Webinar antigo {i}",
            start=now + dt.timedelta(days=30),
            link="https://webinar.exemplo.gov.br/sala",
            superintendencia=rows["rollout.superintendencia"][region.code],
        )
        webinar.title = f"Webinar {region.name}"  # a second version: reverting changes the title
        webinar.save()
        rows["rollout.webinar"][region.code] = webinar
        gex = GerenciaExecutiva.objects.create(
            code=f"gex-matriz-{region.code}",
            name=f"GEX antiga {i}",
            superintendencia=rows["rollout.superintendencia"][region.code],
        )
        gex.name = f"GEX {region.name}"  # a second version: reverting changes the name
        gex.save()
        rows["rollout.gerenciaexecutiva"][region.code] = gex
        if i == 0:  # the GEX actors' GEX: this superintendência's entity is assigned to it
            PartnerEntity.objects.filter(pk=entity.pk).update(gex=gex)
        rows["certauth.loginattempt"][region.code] = LoginAttempt.objects.create(
            reference=f"MATRIZ{i:04d}",
            method=LoginMethod.CERTIFICATE,
            outcome=Outcome.ACCEPTED,
            cpf=member.cpf,
            organization_code=entity.code,
        )
    # A wave whose revert changes someone's access: an entity of its UF without its own date, a member without A3.
    wave = Wave.objects.get(number=1)
    onda = PartnerEntity.objects.create(code="MATRIZ-ONDA", name="Entidade da etapa", kind="oab", uf=wave.ufs[0])
    Membership.objects.create(member=Member.objects.create(cpf=valid_cpf(700000099), name="Sem A3"), entity=onda)
    for year in (2020, 2099):
        wave.window_start, wave.window_end = dt.date(year, 1, 1), dt.date(year, 1, 31)
        wave.save()
    axes_fields = dict(user_agent="teste", ip_address="10.0.0.1", username="conta-alvo", http_accept="*/*")
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    national: dict[str, models.Model] = {
        "rollout.wave": wave,
        "portal.user": target,
        "auth.group": Group.objects.create(name="Grupo da matriz"),
        "cloudauth.provider": Provider.objects.create(
            slug="psc-matriz",
            name="PSC da matriz",
            base_url="https://psc.exemplo.org.br",
            client_id="cliente",
            client_secret=sealing.seal("segredo"),
        ),
        "certauth.crlissuer": CrlIssuer.objects.order_by("pk")[0],
        **_trust_store_rows(),
        "portal.entityselection": EntitySelection.objects.create(
            user=target, entity=rows["portal.partnerentity"][SUPERINTENDENCIAS[0].code]
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            **axes_fields, path_info="/", get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**axes_fields, path_info="/"),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**axes_fields, path_info="/", locked_out=False),
        "support.referencelookup": ReferenceLookup.objects.create(username="matriz", typed="MATRIZ", result="unknown"),
    }
    national.update(_provider_rows(target))
    for label, row in national.items():
        rows[label][None] = row
    return rows, valid_cpf(700000200)


def _trust_store_rows() -> dict[str, models.Model]:
    """An AC stored in the trust store and the import that added it."""
    from cryptography.hazmat.primitives import serialization

    from certauth.icp.builder import PkiBuilder
    from certauth.models import TrustedAuthority, TrustStoreImport

    now = timezone.now()
    builder = PkiBuilder(now=now)
    certificate = builder.intermediate(builder.root("AC Raiz da matriz"), "AC da matriz").certificate
    authority = TrustedAuthority.objects.create(
        der=certificate.public_bytes(serialization.Encoding.DER),
        fingerprint="ab" * 32,
        subject="AC da matriz",
        issuer="AC Raiz da matriz",
        key_id="cd" * 32,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365),
        source="import",
    )
    return {
        "certauth.trustedauthority": authority,
        "certauth.truststoreimport": TrustStoreImport.objects.create(source="matriz"),
    }


def _provider_rows(user: User) -> dict[str, models.Model]:
    """A client with two versions (a revert changes its name), a session link to it and a logout it is owed."""
    client = clients.register(
        clients.ClientSpec(name="Cliente da matriz (antes)", redirect_uris=("https://pat.exemplo.gov.br/retorno",))
    ).client
    client.name = "Cliente da matriz"
    client.save()
    link = SessionClient.objects.create(
        session_key="sessao-da-matriz", client=client, user=user, ended_at=timezone.now()
    )
    delivery = LogoutDelivery.objects.create(
        session_client=link, next_attempt_at=timezone.now() + dt.timedelta(hours=1), attempts=3
    )
    return {"oidc.client": client, "oidc.sessionclient": link, "oidc.logoutdelivery": delivery}


def _login(pki: Any, user: User) -> Client:
    """The request of conftest's ``staff_login``: the staff member's own A3 certificate, through the proxy."""
    client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    certificate = pki.issue(PersonSpec(user.get_full_name().upper() or "SERVIDOR", str(user.cpf)), pki.final)
    response = client.get(
        "/entrar/certificado/",
        {"next": "/admin/"},
        HTTP_X_SSL_CLIENT_CERT=escaped(certificate.certificate),
        secure=True,
    )
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, pki: Any, pki_files: Any) -> Iterator[World]:
    roots, intermediates = pki_files
    certauth = dict(
        CERTAUTH_TRUST_ROOTS=[str(roots)],
        CERTAUTH_INTERMEDIATES=[str(intermediates)],
        CERTAUTH_PROXY_SECRET=PROXY_SECRET,
        CERTAUTH_TRUSTED_PROXIES=[],
    )
    with django_db_blocker.unblock(), override_settings(**certauth), transaction.atomic():
        for number, authority in enumerate((pki.root, pki.level1, pki.oab, pki.final), start=2):
            data = pki.builder.crl(authority, [], number=number)
            crl_store.ingest(data, source="tests", issuer=authority.certificate, max_bytes=10**8)
        rows, import_cpf = _build_rows()
        clients: dict[str, Client] = {}
        for n, actor in enumerate(ACTORS):
            user = User.objects.create_user(
                username=f"servidor-{actor.name}",
                cpf=valid_cpf(500000001 + n),
                is_staff=True,
                is_superuser=actor.superuser,
                first_name="Servidor",
            )
            user.groups.set(Group.objects.filter(name__in=actor.groups))
            clients[actor.name] = _login(pki, user)
        yield World(rows, clients, import_cpf)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _certificate_sessions(certauth_settings: Any) -> None:
    """Each cell's requests see the certauth settings the sessions were opened with; the module's sessions (opened
    once) do not reach the idle limit while the matrix runs."""
    certauth_settings.SESSION_IDLE_MINUTES = 24 * 60


# --- running a cell -----------------------------------------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """What a browser would submit from each ``<form method="post">`` of a page (submit buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str | None], dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None  # name, multiple, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._fields = {}
            self.forms.append((a, self._fields))
        if self._fields is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._fields.setdefault(name, []).append(a.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._select[2].append(a.get("value") or "")
            if "selected" in a:
                self._select[3].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._fields is None:
            return
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            name, multiple, options, selected = self._select
            chosen = selected or ([] if multiple or not options else options[:1])
            self._fields.setdefault(name, []).extend(chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            self._fields.setdefault(name, []).append("".join(parts).removeprefix("\n"))
            self._textarea = None


def form_data(page: str, *, action: str | None = None) -> dict[str, list[str]]:
    parser = _Forms()
    parser.feed(page)
    for attrs, fields in parser.forms:
        if (attrs.get("method") or "").lower() != "post" or attrs.get("id") == "logout-form":
            continue
        if action is None or (attrs.get("action") or "") == action:
            return fields
    raise AssertionError("no form to submit on the page")


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (history tables, the admin log and the many-to-many tables included) but the
    sessions' (each request may refresh its own)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            opts = model._meta
            if opts.proxy or not opts.managed or opts.db_table in tables or issubclass(model, AbstractBaseSession):
                continue
            table, pk = connection.ops.quote_name(opts.db_table), connection.ops.quote_name(opts.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 (names from the models)
            tables[opts.db_table] = cursor.fetchall()
    return tables


def changed_tables(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def _admin_url(row: models.Model, suffix: str, *args: Any) -> str:
    opts = row._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{suffix}", args=args or (row.pk,))


def _previous_version(row: models.Model) -> int:
    history = row.history.order_by("-history_date", "-history_id")  # type: ignore[attr-defined]
    return int(history[1].history_id)


def _upload(client: Client, label: str, world: World) -> Any:
    sample = IMPORT_SAMPLES[label].format(
        entity_code=world.rows["portal.partnerentity"][SUPERINTENDENCIAS[0].code].code,  # type: ignore[attr-defined]
        cpf=world.import_cpf,
    )
    file = io.BytesIO(sample.encode())
    file.name = "dados.csv"
    url = reverse(f"admin:{label.replace('.', '_')}_import")
    return client.post(url, {"import_file": file, "format": "0"}, secure=True)


def prepare_cell(cell: Cell, world: World) -> None:
    """What a cell needs in the database before its snapshot."""
    if cell.kind == "action:reactivate":
        row = world.row(cell.admin, ACTOR[cell.actor], cell.scope)
        PartnerEntity.objects.filter(pk=row.pk).update(status="suspended")  # something to reactivate


def request_cell(cell: Cell, world: World) -> tuple[Any, tuple[str, ...]]:
    """Send the cell's request; return the response and, for a list, what marks its row there: the first must be
    listed when the row is in scope, none of them when it is out (its link or value, then its name)."""
    actor = ACTOR[cell.actor]
    client, root = world.clients[cell.actor], world.clients["superusuario"]

    def get(url: str, data: Any = None) -> Any:
        return client.get(url, data, secure=True)

    def post(url: str, data: Any) -> Any:
        return client.post(url, data, secure=True)

    if cell.admin == "site":
        url = {"catch_all": "/admin/nao-existe/"}.get(cell.kind) or reverse(f"admin:{cell.kind}")
        return (get(url) if cell.method == "GET" else post(url, {"username": "x", "password": "y"})), ()
    if cell.admin.startswith("app:"):
        return get(reverse("admin:app_list", args=(cell.admin.removeprefix("app:"),))), ()
    label, kind = cell.admin, cell.kind
    app_model = label.replace(".", "_")
    needs_row = kind in _ONE_ROW or kind.startswith("action:") or (kind, cell.method) in _LISTS
    row = world.row(label, actor, cell.scope) if needs_row else None
    if kind.startswith("action:"):
        assert row is not None
        name = kind.removeprefix("action:")
        data = {"action": name, "_selected_action": [row.pk], "index": "0"}
        return post(reverse(f"admin:{app_model}_changelist"), data), ()
    if kind == "autocomplete":
        assert row is not None
        app_label, model_name, field_name = autocomplete_sources()[label]
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""}
        return get(reverse("admin:autocomplete"), query), (f'"id": "{row.pk}"', f'"text": {json.dumps(str(row))}')
    if kind == "changelist":
        assert row is not None
        return get(reverse(f"admin:{app_model}_changelist")), (
            f'href="{_admin_url(row, "change")}',
            f">{escape(str(row))}<",
        )
    if kind == "add":
        url = reverse(f"admin:{app_model}_add")
        return (get(url) if cell.method == "GET" else post(url, {})), ()
    if kind in {"import", "process_import"}:
        if kind == "import":
            return (
                get(reverse(f"admin:{app_model}_import")) if cell.method == "GET" else _upload(client, label, world)
            ), ()
        preview = _upload(root, label, world)
        assert preview.status_code == 200, preview.status_code
        url = reverse(f"admin:{app_model}_process_import")
        return post(url, form_data(preview.content.decode(), action=url)), ()
    if kind == "export":
        url = reverse(f"admin:{app_model}_export")
        if cell.method == "GET":
            return get(url), ()
        assert row is not None
        return post(url, {"format": "0", "resource": ""}), (str(getattr(row, EXPORT_MARKERS[label])),)
    assert row is not None
    if kind == "object_redirect":
        return get(f"{reverse(f'admin:{app_model}_changelist')}{row.pk}/"), ()
    if kind == "view_on_site":
        return get(reverse("admin:view_on_site", args=(ContentType.objects.get_for_model(row).pk, row.pk))), ()
    if kind == "password":
        url = reverse("admin:auth_user_password_change", args=(row.pk,))
        data = {"usable_password": "true", "password1": "Outra-senha-longa-42", "password2": "Outra-senha-longa-42"}
        return (get(url) if cell.method == "GET" else post(url, data)), ()
    url = {
        "change": lambda: _admin_url(row, "change"),
        "delete": lambda: _admin_url(row, "delete"),
        "history": lambda: _admin_url(row, "history"),
        "log_history": lambda: _admin_url(row, "history"),
        "revert": lambda: _admin_url(row, "simple_history", row.pk, _previous_version(row)),
    }[kind]()
    if cell.method == "GET":
        return get(url), ()
    if kind == "delete":
        return post(url, {"post": "yes"}), ()
    # what the form shows a superuser, submitted by this actor: a write that would go through if allowed
    page = root.get(url, secure=True)
    assert page.status_code == 200, page.status_code
    return post(url, {**form_data(page.content.decode()), "_save": "Salvar"}), ()


ALL_CELLS = cells()


def test_every_admin_url_is_classified() -> None:
    _, unknown = classified_urls()
    assert not unknown, "admin URLs the permission matrix does not know:\n" + "\n".join(unknown)


def test_every_history_admin_loads_its_object_through_its_queryset() -> None:
    unscoped = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, ScopedHistoryAdmin)
    ]
    assert not unscoped


def test_the_matrix_covers_every_group_and_both_sides_of_each_scope() -> None:
    assert {c.actor for c in ALL_CELLS} == set(ACTOR)
    regional = [c for c in ALL_CELLS if c.actor.startswith("regional-")]
    assert {c.scope for c in regional} == {"in", "out", "all"}
    assert {c.admin for c in ALL_CELLS} >= set(ADMINS)


@pytest.mark.parametrize("cell", ALL_CELLS, ids=[c.id for c in ALL_CELLS])
def test_admin_permission_matrix(cell: Cell, world: World) -> None:
    answer, outcome = expected(cell)
    world.restore_sessions()
    prepare_cell(cell, world)
    before = snapshot() if cell.method == "POST" else None
    response, markers = request_cell(cell, world)
    assert response.status_code == answer.status, f"{outcome}: expected {answer.status}, got {response.status_code}"
    if markers and response.status_code == 200:
        body = response.content.decode()
        if cell.scope == "out" or (ACTOR[cell.actor].gex and cell.admin in BY_SUPERINTENDENCIA):
            assert not [m for m in markers if m in body], "a row out of scope is listed"
        else:
            assert markers[0] in body, "the row in scope is not listed"
    if before is not None:
        changed = changed_tables(before, snapshot())
        if answer.writes:
            assert changed, "an allowed write changed nothing (the payload would not prove a refusal)"
        else:
            assert not changed, f"{outcome} request changed {changed}"


@pytest.mark.filterwarnings("ignore:.*get_valid_export_item_pks:DeprecationWarning")
def test_an_export_of_chosen_rows_leaves_out_the_rows_of_other_regions(world: World) -> None:
    """django-import-export's export of chosen rows (``export_items``) validates them against every row of the table:
    what is exported must still be the admin's ``get_queryset``."""
    world.restore_sessions()
    actor = ACTOR["regional-sudeste-1"]
    home, other = world.row("portal.partnerentity", actor, "in"), world.row("portal.partnerentity", actor, "out")
    data = {"format": "0", "resource": "", "export_items": [home.pk, other.pk]}
    response = world.clients[actor.name].post(reverse("admin:portal_partnerentity_export"), data, secure=True)
    assert response.status_code == 200
    exported = response.content.decode()
    assert home.code in exported and other.code not in exported  # type: ignore[attr-defined]
