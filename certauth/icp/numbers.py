"""Brazilian identifiers as they appear in ICP-Brasil certificates (check digits from python-stdnum)."""

from __future__ import annotations

import re

from stdnum.br import cnpj as _cnpj
from stdnum.br import cpf as _cpf

#: The 27 federative units, as OAB sections and ICP-Brasil fields write them.
UFS = frozenset("AC AL AM AP BA CE DF ES GO MA MG MS MT PA PB PE PI PR RJ RN RO RR RS SC SE SP TO".split())


def is_unavailable(digits: str) -> bool:
    """ICP-Brasil fills numbers the holder does not have with zeros."""
    return digits.strip("0") == ""


def is_valid_cpf(digits: str) -> bool:
    """11 digits with correct check digits, not a repeated digit (000… to 999… are never issued)."""
    return (
        len(digits) == 11 and digits.isascii() and digits.isdigit() and len(set(digits)) > 1 and (_cpf.is_valid(digits))
    )


def is_valid_cnpj(digits: str) -> bool:
    return (
        len(digits) == 14
        and digits.isascii()
        and digits.isdigit()
        and len(set(digits)) > 1
        and (_cnpj.is_valid(digits))
    )


def cpf_refusal(digits: str) -> str:
    """Why 11 digits typed as a CPF are not one, as the person who typed them reads it."""
    if len(set(digits)) == 1:
        return "CPF inválido: nenhum CPF tem todos os dígitos iguais. Confira o número digitado."
    return "CPF inválido: os dígitos verificadores (os dois últimos) não conferem. Confira o número digitado."


def normalize_cpf(value: str) -> str:
    """Digits only (``123.456.789-09`` → ``12345678909``); no validation."""
    return "".join(ch for ch in value if ch.isascii() and ch.isdigit())


def mask_cpf(cpf: str) -> str:
    """``***.456.789-**``: enough for a person to recognise their own CPF, not enough to reuse it."""
    if len(cpf) != 11:
        return "***.***.***-**"
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


#: A CPF written in free text: 11 digits, bare or punctuated (``123.456.789-09``), not part of a longer number or
#: word (a CNPJ, a hexadecimal serial or fingerprint keeps its digits).
_CPF_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{3})(\.?)(\d{3})\2(\d{3})-?(\d{2})(?![0-9A-Za-z])")


def mask_cpfs(text: str) -> str:
    """``text`` with every CPF in it masked as :func:`mask_cpf` does (an ICP-Brasil name ``NOME:12345678909``, a
    subject ``serialNumber``, a typed CPF): for every sentence a person reads or a support ticket carries. Any
    11-digit number is taken for a CPF (a NIS has 11 digits too, and is no less personal)."""
    return _CPF_IN_TEXT.sub(lambda m: mask_cpf(m.group(1) + m.group(3) + m.group(4) + m.group(5)), text)


def format_cpf(cpf: str) -> str:
    return _cpf.format(cpf) if len(cpf) == 11 else cpf


def normalize_oab_number(value: str) -> str:
    """OAB numbers compare without leading zeros and case-insensitively (some carry a letter suffix)."""
    return value.strip().upper().lstrip("0")
