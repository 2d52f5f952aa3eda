"""A manager's bulk add: a CSV or XLSX read by the staff import's tolerant reader (``portal.spreadsheet_files``:
encodings, separators, Excel's lost leading zeros) and each row checked by its rules (``portal.partners_io``).

Columns (header row): ``cpf,name,email,oab_number,oab_uf`` (or in Portuguese: ``cpf,nome,e-mail,numero_oab,uf_oab``)
— or the staff members' file as it is
(``entity_code,cpf,…``), whose rows for another entity are refused. Unlike the staff import, each good row is applied
on its own and every line is reported (added, updated, unchanged or refused, with why): a manager fixes the refused
lines and sends them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from certauth.icp.numbers import mask_cpf
from managers.conf import settings as managers_settings
from managers.services import MemberData, Outcome, add_member
from portal.models import PartnerEntity
from portal.partners_io import MEMBER_COLUMNS, column_names, parse_member_row
from portal.spreadsheet_files import UnreadableFile, is_blank, read_table

MANAGER_COLUMNS = ("cpf", "name", "email", "oab_number", "oab_uf")
#: The same columns named in Portuguese, as a manager may write them.
ALIASES = {"nome": "name", "e-mail": "email", "numero_oab": "oab_number", "uf_oab": "oab_uf"}


@dataclass(frozen=True)
class Line:
    number: int  # the spreadsheet's line (the header is line 1)
    outcome: Outcome
    message: str
    cpf: str = ""  # masked
    name: str = ""


def import_members(entity: PartnerEntity, data: bytes) -> list[Line]:
    """Apply the file's rows to the entity; raise ``UnreadableFile`` (a sentence) if it is not a usable table."""
    table = read_table(data)
    headers = [ALIASES.get(h, h) for h in column_names(list(table.headers))]
    if headers not in (list(MANAGER_COLUMNS), list(MEMBER_COLUMNS)):
        shown = ", ".join(h or "(vazia)" for h in headers) or "(nenhuma)"
        raise UnreadableFile(
            f"Colunas inesperadas: {shown}. Esperadas, nesta ordem: {', '.join(MANAGER_COLUMNS)} "
            f"(ou nome, e-mail, numero_oab, uf_oab; ou o arquivo de membros do INSS: {', '.join(MEMBER_COLUMNS)})."
        )
    rows = [(n, row) for n, row in enumerate(table.rows, start=2) if not is_blank(row)]
    if len(rows) > managers_settings.BULK_MAX_ROWS:
        raise UnreadableFile(
            f"O arquivo tem {len(rows)} linhas de dados; o limite é {managers_settings.BULK_MAX_ROWS}. "
            "Divida-o em arquivos menores."
        )
    return [_line(entity, number, dict(zip(headers, row, strict=True))) for number, row in rows]


def _line(entity: PartnerEntity, number: int, row: dict[str, object]) -> Line:
    row.setdefault("entity_code", entity.code)
    name = str(row.get("name") or "").strip()[:80]
    try:
        record = parse_member_row(row)
    except ValidationError as error:
        return Line(number, Outcome.REFUSED, " ".join(error.messages), name=name)
    if record.entity_code.casefold() != entity.code.casefold():
        message = f"A linha é da entidade {record.entity_code}, não desta ({entity.code})."
        return Line(number, Outcome.REFUSED, message, mask_cpf(record.cpf), name)
    if not record.email:
        return Line(number, Outcome.REFUSED, "E-mail obrigatório.", mask_cpf(record.cpf), name)
    result = add_member(
        entity,
        MemberData(record.cpf, record.name, record.email, record.oab_number, record.oab_uf),
    )
    return Line(number, result.outcome, result.message, mask_cpf(record.cpf), record.name)
