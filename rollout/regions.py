"""The six superintendências of Anexo I and their UFs (pure data, DESIGN.md). RS belongs to Sul."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    ufs: tuple[str, ...]


SUPERINTENDENCIAS: tuple[Region, ...] = (
    Region("sudeste-1", "Sudeste I", ("SP",)),
    Region(
        "norte-centro-oeste", "Norte/Centro-Oeste", ("DF", "GO", "MS", "MT", "TO", "PA", "AM", "RO", "AC", "AP", "RR")
    ),
    Region("sudeste-3", "Sudeste III", ("RJ",)),
    Region("sudeste-2", "Sudeste II", ("MG", "ES")),
    Region("nordeste", "Nordeste", ("BA", "SE", "AL", "PE", "PB", "RN", "CE", "PI", "MA")),
    Region("sul", "Sul", ("PR", "SC", "RS")),
)

_BY_UF = {uf: region for region in SUPERINTENDENCIAS for uf in region.ufs}
_BY_CODE = {region.code: region for region in SUPERINTENDENCIAS}


def region_for_uf(uf: str) -> Region | None:
    return _BY_UF.get(uf.upper())


def region_by_code(code: str) -> Region | None:
    return _BY_CODE.get(code)
