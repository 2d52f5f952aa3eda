"""What the support desk may read of a person (pure: no Django): the CPF masked everywhere, the e-mail shortened."""

from __future__ import annotations

from certauth.icp.numbers import mask_cpf, mask_cpfs

__all__ = ["mask_cpf", "mask_cpfs", "mask_email"]


def mask_email(address: str) -> str:
    """``maria.souza@oabsp.org.br`` → ``m***@oabsp.org.br`` (enough to recognise whose it is)."""
    local, at, domain = address.partition("@")
    if not at or not local:
        return "***" if address else ""
    return f"{local[0]}***@{domain}"
