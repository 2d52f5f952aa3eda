"""The provider's endpoints under ``/oidc/`` (django-oauth-toolkit's namespace, which its views reverse), without
the library's application-management and dynamic-registration views (clients are registered by INSS staff)."""

from __future__ import annotations

from django.urls import path
from oauth2_provider import views as dot

from oidc import session_check
from oidc.views import AuthorizeView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", AuthorizeView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("jwks/", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("logout/", dot.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]

internal_patterns = (
    [path("_a3/sessao/", session_check.probe, name="session_probe")],
    "oidc",
)
