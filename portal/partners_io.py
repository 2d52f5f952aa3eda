"""The partner-data CSV format of DESIGN.md and the validation of each row (shared by the ``import_partners``
command and the admin's import, so both accept and refuse exactly the same files).

Entities: ``code,name,kind,uf,act_number,act_signed_on,contact_email`` and, optionally, a last column ``gex`` (the
code of the entity's Gerência-Executiva; an empty cell removes it; a file without the column leaves it as it is);
members (one row per entity a member acts for): ``entity_code,cpf,name,email,oab_number,oab_uf`` — header row
(names compared without case or surrounding spaces), dates ``dd/mm/aaaa`` or ``AAAA-MM-DD`` (or a date cell of an
XLSX), the kind as its code (``oab``, ``municipio``, ``outra``) or as its label (what the export writes: "Seccional
da OAB", "Município", "Outra entidade"), without regard to case or accents; CPF with or without punctuation, and
with the leading zeros that Excel drops from a number put back; OAB number compared without leading zeros, empty
OAB columns allowed. A cell that the portal's own export protected from spreadsheets (``'=…``,
``portal.spreadsheet``) is read without that quote, so an exported file imported back stores the original text.
(How the bytes become rows — encodings, separators, XLSX — is ``portal.spreadsheet_files``.)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from certauth.icp.numbers import UFS, is_valid_cpf, normalize_cpf, normalize_oab_number
from portal.models import EntityKind
from portal.spreadsheet import unquote_cell

ENTITY_COLUMNS = ("code", "name", "kind", "uf", "act_number", "act_signed_on", "contact_email")
#: Columns an entity file may add after ``ENTITY_COLUMNS`` (all of them, in this order, or none).
ENTITY_OPTIONAL_COLUMNS = ("gex",)
MEMBER_COLUMNS = ("entity_code", "cpf", "name", "email", "oab_number", "oab_uf")
KINDS = ("oab", "municipio", "outra")
#: What the export writes in the ``kind`` column: the labels staff see everywhere in the admin.
KIND_LABELS: dict[str, str] = {str(value): str(label) for value, label in EntityKind.choices}
BRAZILIAN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class EntityRecord:
    code: str
    name: str
    kind: str
    uf: str
    act_number: str
    act_signed_on: dt.date | None
    contact_email: str
    gex: str | None = None  # the GEX code ("": none); None when the file has no ``gex`` column


@dataclass(frozen=True)
class MemberRecord:
    entity_code: str
    cpf: str
    name: str
    email: str
    oab_number: str
    oab_uf: str


def column_names(headers: list[object] | None) -> list[str]:
    """The header row as the import compares it: text, without a BOM, surrounding spaces or case."""
    return [str(h if h is not None else "").lstrip("\ufeff").strip().lower() for h in headers or []]


def check_columns(headers: list[object] | None, expected: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """The columns must be ``expected``, or ``expected`` followed by ``optional`` when the format has any."""
    found = column_names(headers)
    if found != list(expected) and not (optional and found == [*expected, *optional]):
        shown = ", ".join(h or "(vazia)" for h in found) or "(nenhuma)"
        extra = f" Opcional, ao final: {', '.join(optional)}." if optional else ""
        raise ValidationError(f"Colunas inesperadas: {shown}. Esperadas, nesta ordem: {', '.join(expected)}.{extra}")


def parse_kind(text: str) -> str | None:
    """``oab``, ``municipio`` or ``outra`` from a code or a label ("OAB" is the code in capitals), whatever its case
    and accents; else ``None``."""
    wanted = _folded(text)
    return next((code for code in KINDS if wanted in (code, _folded(KIND_LABELS[code]))), None)


def parse_date(text: str) -> dt.date:
    """``dd/mm/aaaa`` (as Excel in Portuguese writes it; ``d/m/aaaa`` too) or ``AAAA-MM-DD``; ``ValueError`` else."""
    brazilian = BRAZILIAN_DATE.fullmatch(text)
    if brazilian:
        day, month, year = (int(part) for part in brazilian.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def parse_entity_row(row: dict[str, Any]) -> EntityRecord:
    values = _stripped(row, ENTITY_COLUMNS)
    errors: dict[str, str] = {}
    if not values["code"]:
        errors["code"] = "Código obrigatório."
    elif len(values["code"]) > 40:
        errors["code"] = "Código com mais de 40 caracteres."
    if not values["name"]:
        errors["name"] = "Nome obrigatório."
    kind = parse_kind(values["kind"])
    if kind is None:
        labels = ", ".join(KIND_LABELS[code] for code in KINDS)
        errors["kind"] = f"Tipo inválido: {values['kind'] or '(vazio)'}. Use {labels} (ou {', '.join(KINDS)})."
    uf = values["uf"].upper()
    if uf not in UFS:
        errors["uf"] = f"UF desconhecida: {values['uf'] or '(vazia)'}."
    signed_on = None
    if values["act_signed_on"]:
        try:
            signed_on = parse_date(values["act_signed_on"])
        except ValueError:
            errors["act_signed_on"] = f"Data inválida: {values['act_signed_on']}. Use dd/mm/aaaa (ou AAAA-MM-DD)."
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = "E-mail inválido."
    gex = cell_value(row, "gex") if "gex" in row else None
    if gex and len(gex) > 40:
        errors["gex"] = "Código da gerência-executiva com mais de 40 caracteres."
    if errors:
        raise ValidationError(errors)
    return EntityRecord(
        code=values["code"],
        name=values["name"],
        kind=kind or "",
        uf=uf,
        act_number=values["act_number"],
        act_signed_on=signed_on,
        contact_email=values["contact_email"],
        gex=gex,
    )


def parse_member_row(row: dict[str, Any]) -> MemberRecord:
    values = _stripped(row, MEMBER_COLUMNS)
    errors: dict[str, str] = {}
    if not values["entity_code"]:
        errors["entity_code"] = "Código da entidade obrigatório."
    cpf = normalize_cpf(values["cpf"])
    if values["cpf"].isdigit() and 9 <= len(values["cpf"]) < 11:
        cpf = cpf.zfill(11)  # a CPF that Excel read as a number lost its leading zeros
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


def cell_value(row: dict[str, Any], column: str) -> str:
    """A cell as the validation reads it: text, trimmed, without the quote the portal's export put before a formula."""
    return unquote_cell(_text(row.get(column)).strip()).strip()


def _stripped(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, str]:
    return {column: cell_value(row, column) for column in columns}


def _text(value: Any) -> str:
    """A cell as text; a date cell (an XLSX, the admin's own export among them) as ``AAAA-MM-DD``; a whole number
    stored as a float (``52601815906.0``) without its ``.0``."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "")


def _folded(text: str) -> str:
    """Lower case, no accents, single spaces: "Município" and "MUNICIPIO" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().split())
