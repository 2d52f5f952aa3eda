from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from oidc import gateway
from oidc import urls as oidc_urls
from oidc import views as oidc_views
from portal import entity_choice, monitoring, password_login, views
from portal.status import views as status_views
from rollout import views as rollout_views

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("painel/", views.dashboard, name="dashboard"),
        path("sair/", views.logout, name="logout"),
        path("entidade/", entity_choice.choose_entity, name="choose_entity"),
        path("entrar/senha/", password_login.password_login, name="password_login"),
        path("cronograma/", rollout_views.schedule_page, name="schedule"),
        path("cronograma/webinars/<uuid:uid>.ics", rollout_views.webinar_calendar, name="webinar_calendar"),
        path("orientacoes/", rollout_views.guidance_page, name="guidance"),
        path("acompanhamento/", status_views.overview, name="status_overview"),
        path("acompanhamento/entidade/<str:code>/", status_views.entity, name="status_entity"),
        path("acompanhamento/gex/<slug:code>/", status_views.gex, name="status_gex"),
        path("acompanhamento/<slug:code>/", status_views.region, name="status_region"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("saude/", monitoring.health, name="health"),
    path("metricas/", monitoring.metrics, name="metrics"),
    path("_a3/check", gateway.check, name="gateway_check"),
    path("", include("certauth.urls")),
    path("", include("cloudauth.urls")),
    path(".well-known/openid-configuration", oidc_views.DiscoveryView.as_view(), name="oidc_discovery"),
    path("oidc/", include("oidc.urls")),
    path("gestao/", include("managers.urls")),
    path("associacao/", include("associations.urls")),  # the associations' coordinators
    path("", include(oidc_urls.internal_patterns)),
    path("", include("support.urls")),  # /suporte/consulta/: the support desk's lookup by reference
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
