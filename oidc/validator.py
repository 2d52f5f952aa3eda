"""django-oauth-toolkit's validator, taught the portal's rules: every code and token belongs to an open portal
session (its link to the client), the claims come from :mod:`oidc.claims`, and a refresh decides access again
with the same rules as the portal's own pages (:func:`oidc.session_check.check_session`)."""

from __future__ import annotations

import hashlib
from typing import Any

from oauth2_provider.models import get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request

from oidc import claims as rules
from oidc.clients import allowed_scopes
from oidc.facts import member_facts
from oidc.models import CodeLink, SessionClient, SessionToken
from oidc.session_check import check_session
from portal.models import Member


def checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class PortalValidator(OAuth2Validator):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    oidc_claim_scope = rules.CLAIM_SCOPES

    # ------------------------------------------------------------------ scopes
    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return False
        return set(scopes) <= allowed_scopes(client)

    # ------------------------------------------------------------------ codes: issued for a portal session
    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        link_id = getattr(request, "portal_link_id", None)
        if link_id is None:  # only oidc.views.AuthorizeView issues codes, and it always names the session
            raise RuntimeError("an authorization code without its portal session")
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        CodeLink.objects.create(code_checksum=checksum(code["code"]), session_client_id=link_id)

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        link = (
            SessionClient.objects.filter(codes__code_checksum=checksum(code), client=client, ended_at__isnull=True)
            .select_related("client")
            .first()
        )
        if link is None or not check_session(link.session_key).open:
            return False
        request.portal_link = link
        return True

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        CodeLink.objects.filter(code_checksum=checksum(code)).delete()

    # ------------------------------------------------------------------ tokens: remembered by session
    def _save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> Any:
        result = super()._save_bearer_token(token, request, *args, **kwargs)
        link: SessionClient | None = getattr(request, "portal_link", None)
        if link is not None and token.get("refresh_token"):
            family = (
                get_refresh_token_model()
                .objects.filter(token_checksum=checksum(token["refresh_token"]))
                .values_list("token_family", flat=True)
                .first()
            )
            if family is not None:
                SessionToken.objects.get_or_create(token_family=family, defaults={"session_client": link})
        return result

    def get_original_scopes(self, refresh_token: str, request: Request, *args: Any, **kwargs: Any) -> list[str]:
        """A refresh keeps only the scopes the client is still allowed (staff may have narrowed them since)."""
        original = super().get_original_scopes(refresh_token, request, *args, **kwargs)
        scopes = original.split() if isinstance(original, str) else list(original)
        return [scope for scope in scopes if scope in allowed_scopes(request.client)]

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """A refresh decides access again: the session it came from must be open and still allowed now."""
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        family = request.refresh_token_instance.token_family
        link = (
            SessionClient.objects.filter(tokens__token_family=family, ended_at__isnull=True)
            .select_related("client")
            .first()
        )
        if link is None or not check_session(link.session_key, touch=True).open:
            return False
        request.portal_link = link
        return True

    # ------------------------------------------------------------------ claims
    def link_for(self, request: Request) -> SessionClient | None:
        link: SessionClient | None = getattr(request, "portal_link", None)
        if link is not None:
            return link
        access_token = getattr(request, "access_token", None)  # userinfo
        if access_token is None or not hasattr(access_token, "pk"):
            return None
        families = get_refresh_token_model().objects.filter(access_token=access_token).values("token_family")
        return (
            SessionClient.objects.filter(tokens__token_family__in=families, ended_at__isnull=True)
            .select_related("client")
            .first()
        )

    def all_claims(self, request: Request) -> dict[str, Any]:
        link = self.link_for(request)
        member = Member.objects.filter(user=request.user).first() if request.user else None
        if link is None or member is None or "session" not in link.facts:
            # never the account's internal id: the subject is the CPF, or nobody
            return {"sub": member.cpf if member else ""}
        session = rules.SessionFacts.from_json(link.facts["session"])
        facts = member_facts(
            member, entity_id=link.facts.get("entity_id"), allowed_ids=link.facts.get("allowed_entity_ids")
        )
        return rules.claims(facts, session, sid=link.sid)

    def get_additional_claims(self, request: Request) -> dict[str, Any]:
        return self.all_claims(request)

    def get_discovery_claims(self, request: Request) -> list[str]:
        return list(rules.CLAIM_SCOPES)

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Request) -> tuple[dict[str, Any], Any]:
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        # auth_time is the portal login's instant (the library would use the account's last login)
        link = self.link_for(request)
        if link is not None and "session" in link.facts:
            claims["auth_time"] = int(rules.SessionFacts.from_json(link.facts["session"]).logged_in_at.timestamp())
        return claims, expiration
