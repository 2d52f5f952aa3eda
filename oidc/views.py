"""The provider's endpoints that are ours: the authorization endpoint (django-oauth-toolkit's, behind the portal's
gate, and naming the portal session each code is for) and the discovery document (with back-channel logout)."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from oauth2_provider.views import AuthorizationView, ConnectDiscoveryInfoView

from certauth.sessions import access_generation
from oidc import claims
from oidc.facts import link_facts
from oidc.gate import gate
from oidc.models import Client, SessionClient
from portal.models import Member, User


class AuthorizeView(AuthorizationView):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    """Anonymous: the portal's login choices, which bring the user back here (``LOGIN_URL`` with ``next``)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self.gated(request)
        return refused or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self.gated(request)
        return refused or super().post(request, *args, **kwargs)

    def gated(self, request: HttpRequest) -> HttpResponse | None:
        client_id = request.GET.get("client_id") or request.POST.get("client_id")
        client = Client.objects.filter(client_id=client_id).first() if client_id else None
        if client is None:
            return None  # the library answers an unknown client with its own error
        return gate(request, client)

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> Any:
        if allow:
            link = link_session(request, client_id=credentials["client_id"])
            credentials = {**credentials, "portal_link_id": link.pk}
        return super().create_authorization_response(
            request=request, scopes=scopes, credentials=credentials, allow=allow
        )


def link_session(request: HttpRequest, *, client_id: str) -> SessionClient:
    """The session's link to this client (its ``sid``), with what the claims need of the session, kept current."""
    client = Client.objects.get(client_id=client_id)
    user = cast(User, request.user)
    member = Member.objects.get(user=user)
    if request.session.session_key is None:
        request.session.save()
    facts = link_facts(request.session, getattr(request, "session_certificate", None), member)
    # the gate has just decided access: the worker's next look is due a sweep interval from now
    checked_at, generation = timezone.now(), access_generation(request.session)
    link, created = SessionClient.objects.get_or_create(
        session_key=request.session.session_key,
        client=client,
        defaults={"user": user, "facts": facts, "checked_at": checked_at, "checked_generation": generation},
    )
    if not created:
        link.facts, link.checked_at, link.checked_generation = facts, checked_at, generation
        link.save(update_fields=["facts", "checked_at", "checked_generation"])
    return link


class DiscoveryView(ConnectDiscoveryInfoView):  # type: ignore[misc]
    """The library's document, narrowed to what the provider accepts, plus back-channel logout."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "acr_values_supported": [str(a) for a in claims.Assurance],
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "frontchannel_logout_supported": False,
                "claims_parameter_supported": False,
            }
        )
        result = JsonResponse(data)
        result["Access-Control-Allow-Origin"] = "*"
        result["Cache-Control"] = "public, max-age=300"
        return result
