from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "Portal A3 — Administração INSS"
admin.site.site_title = "Portal A3"
admin.site.index_title = "Gestão de entidades parceiras"

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("painel/", views.dashboard, name="dashboard"),
        path("sair/", views.logout, name="logout"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("", include("certauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
