"""The login challenge the PSC signs: chosen by the portal, bound to one pre-login session, short-lived, single use.

Pure: the caller passes the current time and the session's binding value. The challenge text names the portal, the
PSC, the CPF, a 128-bit nonce and the instant, so a signature over it cannot be passed off as anything but this
login (and a signature made for anything else cannot be passed off as it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from certauth.icp.errors import Reason
from cloudauth.psc.errors import PscError

PURPOSE = "LOGIN|portal-a3-inss"
#: Crockford's base32 without I, L, O, U (as the audit references): unambiguous when compared with the app's screen.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_nonce() -> str:
    return secrets.token_hex(16)  # 128 bits


def binding_digest(binding: str) -> str:
    """What the database keeps of the session's binding value (the value itself stays in the session)."""
    return hashlib.sha256(binding.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginChallenge:
    provider: str
    cpf: str
    nonce: str
    issued_at: dt.datetime

    @property
    def text(self) -> str:
        when = self.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{PURPOSE}|{self.provider}|{self.cpf}|{self.nonce}|{when}"

    @property
    def digest(self) -> bytes:
        """SHA-256 of the challenge text: what the PSC is asked to sign."""
        return hashlib.sha256(self.text.encode("utf-8")).digest()

    @property
    def confirmation_code(self) -> str:
        """Four characters from the digest, shown on the portal and in the request's description in the app."""
        value = int.from_bytes(self.digest[:3], "big")
        return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in range(4))

    @property
    def description(self) -> str:
        """The ``alias`` of the hash: what the app shows the holder about what is being signed."""
        return f"Login no Portal A3 do INSS - código {self.confirmation_code} (não é assinatura de documento)"


@dataclass(frozen=True, slots=True)
class ChallengeState:
    """What the store knows about a challenge when it is presented back."""

    binding_digest: str
    expires_at: dt.datetime
    used_at: dt.datetime | None


def check_usable(state: ChallengeState | None, *, binding: str | None, now: dt.datetime) -> None:
    """Raise unless the challenge exists, belongs to the session presenting it, is unused and unexpired.

    The order matters for what the holder reads: another session's or a used challenge is ``CLOUD_CHALLENGE_INVALID``
    whatever its age; only the holder's own unused challenge can be ``CLOUD_EXPIRED``.
    """
    if state is None:
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "Solicitação de login desconhecida.")
    if not binding or not hmac.compare_digest(state.binding_digest, binding_digest(binding)):
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "A solicitação de login foi iniciada em outra sessão.")
    if state.used_at is not None:
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "Esta solicitação de login já foi utilizada.")
    if now >= state.expires_at:
        raise PscError(Reason.CLOUD_EXPIRED, "O prazo para concluir o login terminou.")
