"""The Gerências-Executivas file (``manage.py import_gex``): ``code,name,superintendencia,contact_email``, read like
the partner files (``portal.spreadsheet_files``: CSV with ``;`` or ``,``, UTF-8 or Windows-1252, or XLSX; header
names without case or surrounding spaces). The superintendência by its code (``sudeste-1``) or its name ("Sudeste
I"), without regard to case or accents. Validation only: no database here (the known superintendências are given)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portal.partners_io import cell_value

GEX_COLUMNS = ("code", "name", "superintendencia", "contact_email")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _folded(text: str) -> str:
    """Lower case, no accents, single spaces: "SUDESTE i" and "Sudeste I" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().split())


@dataclass(frozen=True)
class GexRecord:
    code: str
    name: str
    superintendencia: str  # the superintendência's code
    contact_email: str


def parse_gex_row(row: dict[str, Any], regions: Mapping[str, str]) -> GexRecord:
    """``regions``: each superintendência's code → its name."""
    values = {column: cell_value(row, column) for column in GEX_COLUMNS}
    errors: dict[str, str] = {}
    code = values["code"].lower()
    if not code:
        errors["code"] = "Código obrigatório."
    elif len(code) > 40 or not SLUG.fullmatch(code):
        errors["code"] = f"Código inválido: {values['code']}. Use até 40 letras sem acento, números e hífens."
    if not values["name"]:
        errors["name"] = "Nome obrigatório."
    elif len(values["name"]) > 120:
        errors["name"] = "Nome com mais de 120 caracteres."
    wanted = _folded(values["superintendencia"])
    region = next((c for c, n in regions.items() if wanted in (_folded(c), _folded(n))), None)
    if region is None:
        errors["superintendencia"] = (
            f"Superintendência desconhecida: {values['superintendencia'] or '(vazia)'}. "
            f"Use o código ou o nome: {', '.join(sorted(regions.values()))}."
        )
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = "E-mail inválido."
    if errors:
        raise ValidationError(errors)
    return GexRecord(
        code=code, name=values["name"], superintendencia=region or "", contact_email=values["contact_email"]
    )
