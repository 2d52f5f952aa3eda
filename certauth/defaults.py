"""Paths of the shipped trust store (importable from settings: no Django import)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "icp-brasil"
ROOT_V5 = DATA_DIR / "roots" / "icp-brasil-raiz-v5.pem"
ROOT_V10 = DATA_DIR / "roots" / "icp-brasil-raiz-v10.pem"
ROOT_V12 = DATA_DIR / "roots" / "icp-brasil-raiz-v12.pem"
INTERMEDIATES = DATA_DIR / "intermediates.pem"

#: Trusted by default: v5 (old-profile A3, incl. AC OAB G3) and v12 (Resolução 211, incl. AC OAB G4).
ICP_BRASIL_ROOTS: tuple[str, ...] = (str(ROOT_V5), str(ROOT_V12))
ICP_BRASIL_INTERMEDIATES: tuple[str, ...] = (str(INTERMEDIATES),)
