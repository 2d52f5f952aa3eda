"""``python -m oidc.keygen PATH``: a new RSA signing key for the provider (PEM, mode 0600), for the demo and for a
key rotation. No Django here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def write_key(path: Path, *, bits: int = 3072) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as output:
        output.write(pem)
    partial.replace(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("uso: python -m oidc.keygen ARQUIVO.pem")
    write_key(Path(sys.argv[1]))
