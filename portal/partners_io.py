"""The partner-data CSV format of DESIGN.md and the validation of each row (shared by the ``import_partners``
command and the admin's import, so both accept and refuse exactly the same files).

Entities: ``code,name,kind,uf,act_number,act_signed_on,contact_email``; members (one row per entity a member acts
for): ``entity_code,cpf,name,email,oab_number,oab_uf`` — UTF-8, header row, dates ``AAAA-MM-DD``, CPF with or
without punctuation, OAB number compared without leading zeros, empty OAB columns allowed. A cell that the portal's
own export protected from spreadsheets (``'=…``, ``portal.spreadsheet``) is read without that quote, so an exported
file imported back stores the original text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from certauth.icp.numbers import UFS, is_valid_cpf, normalize_cpf, normalize_oab_number
from portal.spreadsheet import unquote_cell

ENTITY_COLUMNS = ("code", "name", "kind", "uf", "act_number", "act_signed_on", "contact_email")
MEMBER_COLUMNS = ("entity_code", "cpf", "name", "email", "oab_number", "oab_uf")
KINDS = ("oab", "municipio", "outra")


@dataclass(frozen=True)
class EntityRecord:
    code: str
    name: str
    kind: str
    uf: str
    act_number: str
    act_signed_on: dt.date | None
    contact_email: str


@dataclass(frozen=True)
class MemberRecord:
    entity_code: str
    cpf: str
    name: str
    email: str
    oab_number: str
    oab_uf: str


def check_columns(headers: list[str] | None, expected: tuple[str, ...]) -> None:
    found = [h.strip().lstrip("\ufeff") for h in headers or []]
    if found != list(expected):
        raise ValidationError(
            f"Colunas inesperadas: {', '.join(found) or '(nenhuma)'}. Esperadas, nesta ordem: {', '.join(expected)}."
        )


def parse_entity_row(row: dict[str, Any]) -> EntityRecord:
    values = _stripped(row, ENTITY_COLUMNS)
    errors: dict[str, str] = {}
    if not values["code"]:
        errors["code"] = "Código obrigatório."
    elif len(values["code"]) > 40:
        errors["code"] = "Código com mais de 40 caracteres."
    if not values["name"]:
        errors["name"] = "Nome obrigatório."
    kind = values["kind"].lower()
    if kind not in KINDS:
        errors["kind"] = f"Tipo inválido: use {', '.join(KINDS)}."
    uf = values["uf"].upper()
    if uf not in UFS:
        errors["uf"] = f"UF desconhecida: {values['uf'] or '(vazia)'}."
    signed_on = None
    if values["act_signed_on"]:
        try:
            signed_on = dt.date.fromisoformat(values["act_signed_on"])
        except ValueError:
            errors["act_signed_on"] = "Data inválida: use AAAA-MM-DD."
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = "E-mail inválido."
    if errors:
        raise ValidationError(errors)
    return EntityRecord(
        code=values["code"],
        name=values["name"],
        kind=kind,
        uf=uf,
        act_number=values["act_number"],
        act_signed_on=signed_on,
        contact_email=values["contact_email"],
    )


def parse_member_row(row: dict[str, Any]) -> MemberRecord:
    values = _stripped(row, MEMBER_COLUMNS)
    errors: dict[str, str] = {}
    if not values["entity_code"]:
        errors["entity_code"] = "Código da entidade obrigatório."
    cpf = normalize_cpf(values["cpf"])
    if not is_valid_cpf(cpf) or len(values["cpf"]) > 14:
        errors["cpf"] = f"CPF inválido: {values['cpf'] or '(vazio)'}."
    if not values["name"]:
        errors["name"] = "Nome obrigatório."
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "E-mail inválido."
    number, uf = normalize_oab_number(values["oab_number"]), values["oab_uf"].upper()
    if number or uf:
        if not number or not number.isalnum() or len(number) > 10:
            errors["oab_number"] = f"Número de inscrição na OAB inválido: {values['oab_number'] or '(vazio)'}."
        if uf not in UFS:
            errors["oab_uf"] = f"UF da inscrição na OAB inválida: {values['oab_uf'] or '(vazia)'}."
    if errors:
        raise ValidationError(errors)
    return MemberRecord(
        entity_code=values["entity_code"],
        cpf=cpf,
        name=values["name"],
        email=values["email"],
        oab_number=number,
        oab_uf=uf,
    )


def _stripped(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, str]:
    return {column: unquote_cell(_text(row.get(column)).strip()).strip() for column in columns}


def _text(value: Any) -> str:
    """A cell as text; a date cell (an XLSX, the admin's own export among them) as ``AAAA-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")
